package io.glidepath.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.glidepath.journal.EventJson;
import io.glidepath.testkit.load.LoadGenerator;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.slf4j.LoggerFactory;

/**
 * The dashboard in headless Chromium against a real stack (router and server in this JVM, the
 * sample service as processes, load through the router): a deployer signs in and watches a canary
 * step from 10% to 40% with its charts filling; a viewer, in another tab, sees the same release and
 * no buttons (and the API refuses it an abort anyway); the deployer aborts from the page and the
 * release rolls back; its timeline is in the history, and its sign-off report. The tokens never show in the page, its URL
 * or the logs. Screenshots go to target/screenshots/.
 */
class DashboardBrowserTest {
    static final Duration MAX = Duration.ofSeconds(60);

    @TempDir
    Path data;
    Stack stack;
    LoadGenerator load;
    HeadlessChromium browser;

    final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @BeforeAll
    static void browserInstalled() {
        // before the stack starts: a missing browser fails at once, with what to install
        HeadlessChromium.requireInstalled();
    }

    @AfterEach
    void stop() throws Exception {
        root().detachAppender(logs);
        try {
            if (browser != null) {
                browser.close();
            }
        } finally {
            try {
                if (load != null) {
                    load.close();
                }
            } finally {
                if (stack != null) {
                    stack.close();
                }
            }
        }
    }

    @Test
    void aDeployerWatchesACanaryStepUpAndAbortsItFromThePageWhileAViewerSeesNoButtons() throws Exception {
        logs.start();
        root().addAppender(logs);
        stack = Stack.start(data);
        String first = stack.submit(Stack.release("v1", Map.of(), ""));
        browser = HeadlessChromium.start();
        ChromeDriver d = browser.driver;
        String deployer = token("release-bot", "deployer");
        String viewer = token("wall-screen", "viewer");
        String base = "http://127.0.0.1:" + stack.server.address().getPort();
        try {
            assertThat(stack.awaitEnd(first, MAX).path("state").asText()).isEqualTo("PROMOTED");
            load = stack.load(8);

            // sign in with the form; the token is kept in the tab, not in the page
            d.get(base + "/");
            d.findElement(By.id("token")).sendKeys(deployer);
            d.findElement(By.cssSelector("#login-form button[type=submit]")).click();
            await().atMost(Duration.ofSeconds(10)).until(() -> text(d, "#who-role").equals("deployer"));
            assertThat(text(d, "#who-name")).isEqualTo("release-bot");
            // the first snapshot: nothing in progress yet
            await().atMost(Duration.ofSeconds(10)).until(() -> text(d, "#view").contains("No release is in progress"));
            assertThat(text(d, ".conn")).isEqualTo("live");

            String id = stack.submit(Stack.release("v2", Map.of(), "    steps: [{weight: 10}, {bake: 4s}, {weight: 40}, {bake: 10m}]\n"));
            String card = "article[data-release='" + id + "']";
            String shop = card + " [data-service='shop']";
            await().atMost(Duration.ofSeconds(10)).until(() -> !d.findElements(By.cssSelector(card)).isEmpty());
            // the weight the page shows moves with the canary's steps, bar included
            await().atMost(MAX).until(() -> text(d, shop + " .weight-value").equals("10%"));
            // the bar's width eases over 0.4 s
            await().atMost(Duration.ofSeconds(3)).until(() -> Math.abs(canaryBarShare(d, shop) - 0.10) < 0.02);
            assertThat(text(d, shop + " .route")).isEqualTo("stable v1 · canary v2");
            browser.screenshot("dashboard-live-canary-10");
            await().atMost(MAX).until(() -> text(d, shop + " .weight-value").equals("40%"));
            await().atMost(Duration.ofSeconds(3)).until(() -> Math.abs(canaryBarShare(d, shop) - 0.40) < 0.02);
            assertThat(d.findElement(By.cssSelector(shop)).getDomAttribute("data-phase")).isEqualTo("SHIFTING");
            // both charts draw stable and canary points, one a second
            for (String chart : List.of("errors", "p99")) {
                String fig = shop + " figure[data-chart='" + chart + "']";
                await().atMost(Duration.ofSeconds(15)).until(() -> number(d, fig, "data-canary-points") >= 4 && number(d, fig, "data-stable-points") >= 8);
                assertThat(d.findElement(By.cssSelector(fig + " path.canary")).getDomAttribute("d")).startsWith("M").contains("L");
            }
            // verdicts arrive in the card as the analysis gives them
            await().atMost(Duration.ofSeconds(10)).until(() -> !d.findElements(By.cssSelector(card + " .log li[data-kind='verdict']")).isEmpty());
            assertThat(text(d, card + " .log li[data-kind='verdict']")).contains("pass");
            browser.screenshot("dashboard-live-canary-40");
            assertThat(d.getPageSource()).doesNotContain(deployer);
            assertThat(d.getCurrentUrl()).doesNotContain(deployer);
            String deployerTab = d.getWindowHandle();

            // a viewer in another tab (its own sessionStorage), signed in through the URL fragment
            d.switchTo().newWindow(WindowType.TAB);
            d.get(base + "/#token=" + viewer);
            await().atMost(Duration.ofSeconds(10)).until(() -> text(d, "#who-role").equals("viewer"));
            assertThat(d.getCurrentUrl()).as("the fragment is cleared").doesNotContain(viewer).endsWith("#/live");
            await().atMost(Duration.ofSeconds(10)).until(() -> text(d, shop + " .weight-value").equals("40%"));
            assertThat(d.findElements(By.cssSelector(card + " button"))).as("no promote or abort for a viewer").isEmpty();
            // hiding the buttons is a courtesy: the API refuses the viewer's abort itself
            Object status = d.executeAsyncScript("const done = arguments[arguments.length - 1];"
                    + "fetch('/v1/releases/" + id + "/abort', {method: 'POST', headers: {Authorization: 'Bearer ' + sessionStorage.getItem('glidepath.token')}})"
                    + ".then(r => done(r.status), e => done(String(e)));");
            assertThat(status).isEqualTo(403L);
            browser.screenshot("dashboard-live-viewer");
            d.close();
            d.switchTo().window(deployerTab);

            // abort from the page: asked once more, then sent; the release rolls back
            d.findElement(By.cssSelector(card + " button.abort")).click();
            assertThat(text(d, card + " .control-status")).startsWith("Abort release " + id + " and roll every service back?");
            assertThat(stack.get("/v1/releases/" + id).path("state").asText()).as("nothing sent before the confirmation").isEqualTo("RUNNING");
            d.findElement(By.cssSelector(card + " button.confirm-abort")).click();
            assertThat(stack.awaitEnd(id, Duration.ofSeconds(30)).path("state").asText()).isEqualTo("ROLLED_BACK");
            assertThat(stack.get("/v1/releases/" + id).path("reason").asText()).isEqualTo("shop: aborted by release-bot");
            await().atMost(Duration.ofSeconds(10)).until(() -> "ROLLED_BACK".equals(d.findElement(By.cssSelector(card)).getDomAttribute("data-state")));
            assertThat(d.findElements(By.cssSelector("#finished-releases " + card))).hasSize(1);
            assertThat(d.findElements(By.cssSelector(card + " button"))).isEmpty();
            assertThat(text(d, card + " .log")).contains("aborted by release-bot");
            browser.screenshot("dashboard-live-rolled-back");

            // the history lists it; its timeline has the whole journal
            d.findElement(By.id("nav-history")).click();
            String row = "tr[data-release='" + id + "']";
            await().atMost(Duration.ofSeconds(10)).until(() -> !d.findElements(By.cssSelector(row)).isEmpty());
            assertThat(d.findElement(By.cssSelector(row)).getDomAttribute("data-state")).isEqualTo("ROLLED_BACK");
            assertThat(text(d, row)).contains("shop").contains("release-bot").contains("aborted by release-bot");
            d.findElement(By.cssSelector(row + " a")).click();
            await().atMost(Duration.ofSeconds(10)).until(() -> !d.findElements(By.cssSelector(".timeline li[data-kind='finished']")).isEmpty());
            int journal = stack.events(id).size();
            assertThat(d.findElements(By.cssSelector(".timeline li"))).hasSize(journal);
            assertThat(d.findElements(By.cssSelector(".timeline li[data-kind='verdict'] .figures"))).isNotEmpty();
            assertThat(text(d, ".timeline")).contains("canary v2 at 10%").contains("canary v2 at 40%").contains("aborted by release-bot");
            assertThat(d.findElements(By.cssSelector(".release-head button"))).as("a finished release has no buttons").isEmpty();
            browser.screenshot("dashboard-release-timeline");

            // its sign-off report: the rollback's cause, who aborted it, every verdict with its figures, and the Markdown to file
            d.findElement(By.cssSelector(".release-head a.report-link")).click();
            await().atMost(Duration.ofSeconds(10)).until(() -> !d.findElements(By.cssSelector(".report table[data-table='verdicts']")).isEmpty());
            assertThat(d.getCurrentUrl()).endsWith("#/releases/" + id + "/report");
            assertThat(text(d, ".report h1")).isEqualTo("Sign-off report: release " + id);
            assertThat(text(d, ".report")).contains("Cause: aborted").contains("Traffic back on the previous versions: ");
            assertThat(text(d, ".report table[data-table='people']")).contains("release-bot aborted the release (glidepath abort)");
            long verdicts = stack.events(id).stream().filter(e -> e.path("kind").asText().equals("verdict")).count();
            assertThat(d.findElements(By.cssSelector(".report table[data-table='verdicts'] tbody tr"))).hasSize((int) verdicts);
            assertThat(text(d, ".report table[data-table='verdicts']")).contains("canary 10%").contains("canary 40%").contains("errors over");
            d.findElement(By.cssSelector(".report button.download-markdown")).click();
            await().atMost(Duration.ofSeconds(10)).until(() -> text(d, ".report pre.markdown").startsWith("# Sign-off report: release " + id));
            assertThat(d.findElement(By.cssSelector(".report-markdown a")).getDomAttribute("download")).isEqualTo("report-" + id + ".md");
            assertThat(d.getPageSource()).doesNotContain(deployer);
            browser.screenshot("dashboard-release-report");
        } catch (Throwable t) {
            browser.screenshot("dashboard-failure");
            throw t;
        }
        load.close();
        assertThat(load.failures()).as("requests users saw fail").isEmpty();
        List<ILoggingEvent> lines;
        synchronized (logs) { // the appender adds under its own lock, from the server's threads
            lines = List.copyOf(logs.list);
        }
        assertThat(lines).as("log lines").isNotEmpty()
                .allSatisfy(e -> assertThat(e.getFormattedMessage()).doesNotContain(deployer).doesNotContain(viewer));
    }

    @Test
    void aSecondDeployerApprovesAWaitingReleaseFromThePageWithAReason() throws Exception {
        java.nio.file.Files.createDirectories(data.resolve("server"));
        java.nio.file.Files.writeString(data.resolve("server/policy.yaml"), """
                approvals:
                  - name: shop-two-people
                    services: [shop]
                    timeout: 10m
                """);
        stack = Stack.start(data);
        String bob = token("bob", "deployer");
        String id = stack.submit(Stack.release("v1", Map.of(), ""));
        await().atMost(Duration.ofSeconds(10)).until(() -> stack.get("/v1/releases/" + id).path("state").asText().equals("AWAITING_APPROVAL"));
        browser = HeadlessChromium.start();
        ChromeDriver d = browser.driver;
        try {
            d.get("http://127.0.0.1:" + stack.server.address().getPort() + "/#token=" + bob);
            String card = "article[data-release='" + id + "']";
            await().atMost(Duration.ofSeconds(10)).until(() -> !d.findElements(By.cssSelector(card + " button.approve")).isEmpty());
            assertThat(d.findElements(By.cssSelector(card + " button.promote"))).as("nothing to promote before the approval").isEmpty();
            d.findElement(By.cssSelector(card + " button.approve")).click();
            assertThat(stack.get("/v1/releases/" + id).path("state").asText()).as("nothing sent before the confirmation").isEqualTo("AWAITING_APPROVAL");
            d.findElement(By.cssSelector(card + " input.approve-reason")).sendKeys("read the diff in the dashboard");
            d.findElement(By.cssSelector(card + " button.confirm-approve")).click();
            // the page says so until the release's next state replaces its buttons (Promote and Abort for a running release)
            await().atMost(Duration.ofSeconds(10)).until(() -> text(d, card + " .control-status").equals("approved: the release goes on")
                    || !"AWAITING_APPROVAL".equals(d.findElement(By.cssSelector(card)).getDomAttribute("data-state")));
            browser.screenshot("dashboard-approved");
            await().atMost(Duration.ofSeconds(10)).until(() -> d.findElements(By.cssSelector(card + " button.approve")).isEmpty());
            assertThat(stack.awaitEnd(id, MAX).path("state").asText()).isEqualTo("PROMOTED");
            assertThat(stack.events(id)).filteredOn(e -> e.path("kind").asText().equals("approval") && e.path("state").asText().equals("APPROVED"))
                    .singleElement().satisfies(e -> assertThat(e.path("message").asText()).isEqualTo("approved by bob: read the diff in the dashboard"));
        } catch (Throwable t) {
            browser.screenshot("dashboard-approval-failure");
            throw t;
        }
    }

    private static Logger root() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    private String token(String name, String role) throws Exception {
        HttpResponse<String> made = stack.post("/v1/tokens", "{\"name\": \"" + name + "\", \"role\": \"" + role + "\"}");
        assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
        return EventJson.MAPPER.readTree(made.body()).path("token").asText();
    }

    private static String text(WebDriver d, String css) {
        List<WebElement> found = d.findElements(By.cssSelector(css));
        try {
            return found.isEmpty() ? "" : found.get(0).getText();
        } catch (org.openqa.selenium.StaleElementReferenceException e) {
            return "";
        }
    }

    private static long number(WebDriver d, String css, String attribute) {
        List<WebElement> found = d.findElements(By.cssSelector(css));
        return found.isEmpty() ? 0 : Long.parseLong(found.get(0).getDomAttribute(attribute));
    }

    /** The canary's share of the weight bar as drawn. */
    private static double canaryBarShare(WebDriver d, String service) {
        double canary = d.findElement(By.cssSelector(service + " .weight-bar .canary")).getRect().getWidth();
        double bar = d.findElement(By.cssSelector(service + " .weight-bar")).getRect().getWidth();
        return canary / bar;
    }
}
