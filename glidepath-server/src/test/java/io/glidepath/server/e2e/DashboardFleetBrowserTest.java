package io.glidepath.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.glidepath.examples.SampleService;
import io.glidepath.journal.EventJson;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * A fleet in the dashboard's live view, in headless Chromium against a real stack: its customers
 * show as one box per ring (counts per state, a dot per customer, the ring's gate), not a row
 * each; a deployer opens the first ring's manual gate from the page; a customer that fails (its
 * smoke test, an override gives it errors) shows in its ring with its reason while the release
 * goes on within the failure budget. Screenshots go to target/screenshots/.
 */
class DashboardFleetBrowserTest {
    static final Duration MAX = Duration.ofSeconds(90);

    @TempDir
    Path data;
    Stack stack;
    HeadlessChromium browser;

    @BeforeAll
    static void browserInstalled() {
        HeadlessChromium.requireInstalled();
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (browser != null) {
                browser.close();
            }
        } finally {
            if (stack != null) {
                stack.close();
            }
        }
    }

    /** Four customers of the sample service, c3 answering every request with a 500; ring internal (c1) behind a manual gate, then the rest. */
    static String fleetRelease() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        String cp = Path.of(SampleService.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        return """
                release: web-fleet
                services:
                  - name: web
                    version: v1
                    run:
                      command: [%s, -XX:TieredStopAtLevel=1, -XX:+UseSerialGC, -Xmx96m, -cp, %s, io.glidepath.examples.SampleService]
                      env: {PORT: "{{port}}", VERSION: "{{version}}", SERVICE_NAME: web}
                      stopGrace: 5s
                    route: {pathPrefix: /}
                    readiness: {path: /ready, interval: 100ms, healthyAfter: 2, deadline: 20s}
                    smoke: [{name: home, request: {path: /}, expect: {status: 200, bodyContains: hello}}]
                    strategy: blueGreen
                    analysis: {interval: 1s, postPromotion: 1s}
                    keepPrevious: 1s
                    fleet:
                      customers:
                        - {name: c1, host: c1.example.test}
                        - {name: c2, host: c2.example.test}
                        - {name: c3, host: c3.example.test, env: {ERROR_RATE: "100%%"}}
                        - {name: c4, host: c4.example.test}
                      rings:
                        - {name: internal, customers: [c1], gate: manual}
                        - {name: rest, maxParallel: 3}
                      failureBudget: {max: 1}
                """.formatted(java, cp);
    }

    @Test
    void aFleetShowsAsRingsWithCountsItsGateAndItsFailedCustomerWithTheReason() throws Exception {
        stack = Stack.start(data);
        browser = HeadlessChromium.start();
        ChromeDriver d = browser.driver;
        String base = "http://127.0.0.1:" + stack.server.address().getPort();
        try {
            d.get(base + "/#token=" + token("release-bot", "deployer"));
            await().atMost(Duration.ofSeconds(10)).until(() -> text(d, "#who-role").equals("deployer"));
            await().atMost(Duration.ofSeconds(10)).until(() -> text(d, "#view").contains("No release is in progress"));

            String id = stack.submit(fleetRelease());
            String card = "article[data-release='" + id + "']";
            String internal = card + " .ring[data-fleet='web'][data-wave='1']";
            String rest = card + " .ring[data-fleet='web'][data-wave='2']";
            // the first ring waits at its gate; no customer has a row of its own
            await().atMost(Duration.ofSeconds(20)).until(() -> "GATED".equals(attribute(d, internal, "data-state")));
            assertThat(text(d, internal)).contains("web").contains("ring internal").contains("waits for promote").contains("1 waiting");
            assertThat(text(d, card + " section.wave[data-wave='1'] h3")).isEqualToIgnoringCase("Wave 1 · ring internal");
            assertThat(attribute(d, rest, "data-state")).isEqualTo("NOT_STARTED");
            assertThat(count(d, rest, "waiting")).isEqualTo(3);
            assertThat(d.findElements(By.cssSelector(rest + " .dot"))).hasSize(3);
            assertThat(d.findElements(By.cssSelector(card + " .service"))).as("no row per customer").isEmpty();
            assertThat(text(d, card + " .fleet-line[data-fleet='web']")).isEqualTo("web: 0 of 4 customers done · time left known after the first "
                    + "customer is done");
            browser.screenshot("dashboard-fleet-gated");

            // the deployer opens the gate from the page; the rest go three at a time, c3 fails its smoke test and rolls back alone
            d.findElement(By.cssSelector(card + " button.promote")).click();
            // once a customer is done, the others' time left is estimated from it
            await().atMost(MAX).pollInterval(Duration.ofMillis(50)).until(() -> text(d, card + " .fleet-line[data-fleet='web']")
                    .matches("web: [1-3] of 4 customers done.* · about \\d+s left"));
            // (each snapshot draws the ring again: read its text until it holds, not once)
            await().atMost(MAX).until(() -> text(d, rest + " .failed li[data-customer='c3']").matches("c3 .*smoke test 'home' failed.*"));
            assertThat(stack.awaitEnd(id, MAX).path("state").asText()).as("within the failure budget the release goes on").isEqualTo("PROMOTED");
            await().atMost(Duration.ofSeconds(10)).until(() -> "PROMOTED".equals(attribute(d, card, "data-state")));
            await().atMost(Duration.ofSeconds(10)).until(() -> count(d, rest, "done") == 2);
            assertThat(count(d, rest, "failed")).isEqualTo(1);
            assertThat(count(d, rest, "waiting")).isZero();
            assertThat(count(d, internal, "done")).isEqualTo(1);
            assertThat(attribute(d, rest + " .dot[data-customer='c3']", "data-count")).isEqualTo("failed");
            assertThat(text(d, card + " section.wave[data-wave='2'] h3")).isEqualToIgnoringCase("Wave 2 · ring rest");
            assertThat(text(d, card + " .log")).contains("customer c3 (ring rest) failed");
            await().atMost(Duration.ofSeconds(10)).until(() -> text(d, card + " .fleet-line[data-fleet='web']")
                    .equals("web: 3 of 4 customers done, 1 failed · nothing left"));
            browser.screenshot("dashboard-fleet-done");
        } catch (Throwable t) {
            browser.screenshot("dashboard-fleet-failure");
            throw t;
        }
    }

    private String token(String name, String role) throws Exception {
        HttpResponse<String> made = stack.post("/v1/tokens", "{\"name\": \"" + name + "\", \"role\": \"" + role + "\"}");
        assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
        return EventJson.MAPPER.readTree(made.body()).path("token").asText();
    }

    private static long count(WebDriver d, String ring, String what) {
        String v = attribute(d, ring + " .count[data-count='" + what + "']", "data-value");
        return v == null ? -1 : Long.parseLong(v);
    }

    /** The page redraws a ring on every live frame: an element found may be replaced before it is read, so read it again. */
    private static <T> T read(WebDriver d, String css, java.util.function.Function<WebElement, T> how, T none) {
        for (int attempt = 0; attempt < 5; attempt++) {
            List<WebElement> found = d.findElements(By.cssSelector(css));
            if (found.isEmpty()) {
                return none;
            }
            try {
                return how.apply(found.get(0));
            } catch (org.openqa.selenium.StaleElementReferenceException e) {
                // redrawn between the find and the read
            }
        }
        return none;
    }

    private static String attribute(WebDriver d, String css, String name) {
        return read(d, css, e -> e.getDomAttribute(name), null);
    }

    private static String text(WebDriver d, String css) {
        return read(d, css, WebElement::getText, "");
    }
}
