package io.glidepath.prometheus;

import static org.awaitility.Awaitility.await;

import io.glidepath.testkit.net.ChildPorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Prometheus (Debian's {@code prometheus} package; ./run-tests installs it) for tests: its own
 * configuration and storage in a temporary directory, listening on a free loopback port, stopped with
 * the test. Its log is kept in the directory for a failing test to show.
 */
final class PrometheusProcess implements AutoCloseable {
    private final Process process;
    private final Path dir;
    private final int port;

    private PrometheusProcess(Process process, Path dir, int port) {
        this.process = process;
        this.dir = dir;
        this.port = port;
    }

    /** Starts Prometheus with {@code scrapeConfigs} (YAML under {@code scrape_configs:}), scraping every second, and waits until it is ready. */
    static PrometheusProcess start(Path dir, String scrapeConfigs) throws IOException {
        String binary = Stream.of("/usr/bin/prometheus", "/usr/local/bin/prometheus").filter(p -> Files.isExecutable(Path.of(p))).findFirst()
                .orElseThrow(() -> new IllegalStateException("Prometheus is not installed: apt-get install prometheus (./run-tests does it)"));
        Files.createDirectories(dir);
        Path config = Files.writeString(dir.resolve("prometheus.yml"), """
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                scrape_configs:
                %s""".formatted(scrapeConfigs.indent(2)));
        int port = ChildPorts.free();
        Process p = new ProcessBuilder(List.of(binary, "--config.file=" + config, "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port, "--log.level=warn"))
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        PrometheusProcess prometheus = new PrometheusProcess(p, dir, port);
        HttpClient http = HttpClient.newHttpClient();
        try {
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
                if (!p.isAlive()) {
                    throw new IllegalStateException("Prometheus exited: " + prometheus.log());
                }
                return http.send(HttpRequest.newBuilder(prometheus.url().resolve("/-/ready")).timeout(Duration.ofSeconds(1)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            });
        } catch (RuntimeException e) {
            prometheus.close();
            throw new IllegalStateException("Prometheus did not become ready: " + prometheus.log(), e);
        }
        return prometheus;
    }

    /** Waits until Prometheus has scraped {@code job} successfully at least {@code n} times in the last minute (it starts scraping a few seconds after it is ready). */
    void awaitScrapes(String job, int n) {
        HttpClient http = HttpClient.newHttpClient();
        String q = java.net.URLEncoder.encode("sum_over_time(up{job=\"" + job + "\"}[1m])", java.nio.charset.StandardCharsets.UTF_8);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).ignoreExceptions().until(() -> {
            String body = http.send(HttpRequest.newBuilder(url().resolve("/api/v1/query?query=" + q)).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"value\":\\[[0-9.]+,\"([0-9.]+)\"]").matcher(body);
            return m.find() && Double.parseDouble(m.group(1)) >= n;
        });
    }


    URI url() {
        return URI.create("http://127.0.0.1:" + port);
    }

    long pid() {
        return process.pid();
    }

    /** SIGSTOP or SIGCONT: a stopped Prometheus still accepts connections (the kernel does) but answers nothing. */
    void signal(String name) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).inheritIO().start().waitFor();
    }

    String log() {
        try {
            return Files.readString(dir.resolve("prometheus.log"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        try {
            signal("CONT"); // a stopped process would not hear the TERM until continued
        } catch (IOException | InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
