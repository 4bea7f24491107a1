package io.glidepath.server.e2e;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's chromium, headless, driven through Debian's chromedriver (never a downloaded one:
 * Selenium Manager is not asked). Closing it quits the browser and stops the driver, and ends any
 * of their processes still left.
 */
final class HeadlessChromium implements AutoCloseable {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    /** Where the screenshots go (the module's target/, so CI keeps them with the test reports). */
    static final Path SCREENSHOTS = Path.of("target", "screenshots");

    final ChromeDriver driver;
    private final ChromeDriverService service;

    private HeadlessChromium(ChromeDriverService service, ChromeDriver driver) {
        this.service = service;
        this.driver = driver;
    }

    /**
     * Fails (never skips) when the browser or its driver is missing: the README's test command,
     * ./run-tests, installs both, so a missing one there is a broken machine, not a reason to test less.
     */
    static void requireInstalled() {
        List<Path> missing = List.of(CHROMIUM, CHROMEDRIVER).stream().filter(p -> !Files.isExecutable(p)).toList();
        if (!missing.isEmpty()) {
            throw new IllegalStateException(missing + " missing: the dashboard's browser test needs Debian's chromium and chromium-driver. "
                    + "Run the tests with ./run-tests, which installs them, or install them yourself: apt-get install chromium chromium-driver");
        }
    }

    static HeadlessChromium start() throws IOException {
        requireInstalled();
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort()
                .withLogOutput(java.io.OutputStream.nullOutputStream()).build();
        service.start();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(new File(CHROMIUM.toString()));
        // root needs --no-sandbox; a fixed size so screenshots compare; no first-run chatter or background network
        options.addArguments("--headless=new", "--no-sandbox", "--window-size=1400,1000", "--disable-dev-shm-usage", "--disable-gpu",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--metrics-recording-only", "--password-store=basic");
        try {
            ChromeDriver driver = new ChromeDriver(service, options);
            driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(10));
            return new HeadlessChromium(service, driver);
        } catch (RuntimeException e) {
            service.stop();
            throw e;
        }
    }

    /** Saves what the browser shows now as target/screenshots/NAME.png; returns the file. */
    Path screenshot(String name) throws IOException {
        Files.createDirectories(SCREENSHOTS);
        Path file = SCREENSHOTS.resolve(name + ".png");
        Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
        return file;
    }

    @Override
    public void close() {
        List<ProcessHandle> ours = ProcessHandle.current().descendants().filter(HeadlessChromium::isBrowserOrDriver).toList();
        try {
            driver.quit();
        } catch (RuntimeException e) {
            // the browser is gone already: the driver is still stopped below
        } finally {
            service.stop();
            // whatever quit() left (a crashed renderer, a hung browser): this test's own processes, by pid
            for (ProcessHandle p : ours) {
                if (p.isAlive()) {
                    p.destroy();
                    p.onExit().completeOnTimeout(p, 5, TimeUnit.SECONDS).join();
                    if (p.isAlive()) {
                        p.destroyForcibly();
                    }
                }
            }
        }
    }

    private static boolean isBrowserOrDriver(ProcessHandle p) {
        String cmd = p.info().command().orElse("");
        return cmd.startsWith("/usr/lib/chromium/") || cmd.equals(CHROMEDRIVER.toString()) || cmd.equals(CHROMIUM.toString());
    }
}
