package io.glidepath.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SampleServiceTest {
    static final HttpClient http = HttpClient.newHttpClient();

    static HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static SampleService start(Map<String, String> extra) throws Exception {
        Map<String, String> s = new java.util.HashMap<>(Map.of("PORT", "0", "VERSION", "v7", "SERVICE_NAME", "demo"));
        s.putAll(extra);
        return new SampleService(s).start();
    }

    @Test
    void saysHelloWithItsVersion() throws Exception {
        SampleService s = start(Map.of());
        try {
            HttpResponse<String> r = get(s.port(), "/anything");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("hello from demo v7\n");
            assertThat(r.headers().firstValue("X-Version")).contains("v7");
            assertThat(get(s.port(), "/status/418").statusCode()).isEqualTo(418);
        } finally {
            s.stop();
        }
    }

    @Test
    void errorsBeginOnlyAfterTheOnsetDelayAndNeverOnHealth() throws Exception {
        SampleService s = start(Map.of("ERROR_RATE", "100%", "ERROR_AFTER", "1s"));
        try {
            assertThat(get(s.port(), "/").statusCode()).as("before the onset").isEqualTo(200);
            await().atMost(Duration.ofSeconds(3)).until(() -> get(s.port(), "/").statusCode() == 500);
            assertThat(get(s.port(), "/health").statusCode()).isEqualTo(200);
        } finally {
            s.stop();
        }
    }

    @Test
    void failingReadinessAnswers503OnReadyAndHealth() throws Exception {
        SampleService s = start(Map.of("FAIL_READINESS", "true"));
        try {
            assertThat(get(s.port(), "/ready").statusCode()).isEqualTo(503);
            assertThat(get(s.port(), "/health").statusCode()).isEqualTo(503);
            assertThat(get(s.port(), "/").statusCode()).isEqualTo(200);
        } finally {
            s.stop();
        }
    }

    @Test
    void callsTheServicesBehindItAndPassesTheApiVersionAlong() throws Exception {
        SampleService inventory = start(Map.of("SERVICE_NAME", "inventory", "FAIL_ON_API_VERSION", "3"));
        SampleService catalog = start(Map.of("SERVICE_NAME", "catalog", "CALLS", "http://127.0.0.1:" + inventory.port() + "/stock"));
        SampleService oldGateway = start(Map.of("SERVICE_NAME", "gateway", "API_VERSION", "2", "CALLS", "http://127.0.0.1:" + catalog.port() + "/items"));
        SampleService newGateway = start(Map.of("SERVICE_NAME", "gateway", "API_VERSION", "3", "CALLS", "http://127.0.0.1:" + catalog.port() + "/items"));
        try {
            HttpResponse<String> ok = get(oldGateway.port(), "/checkout");
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.body()).isEqualTo("hello from gateway v7\n  hello from catalog v7\n    hello from inventory v7\n");
            HttpResponse<String> bad = get(newGateway.port(), "/checkout");
            assertThat(bad.statusCode()).as("the new gateway reaches inventory's bug through catalog").isEqualTo(502);
            assertThat(bad.body()).contains("answered 502").contains("failed on API version 3 (FAIL_ON_API_VERSION)");
        } finally {
            newGateway.stop();
            oldGateway.stop();
            catalog.stop();
            inventory.stop();
        }
    }

    @Test
    void aSlowStartListensLateAndACrashKillsTheProcess(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("out.log");
        String java = ProcessHandle.current().info().command().orElseThrow();
        String cp = Path.of(SampleService.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        ProcessBuilder pb = new ProcessBuilder(List.of(java, "-cp", cp, SampleService.class.getName(), "--port=0", "--start-delay=1s",
                "--crash-after=3s")).redirectErrorStream(true).redirectOutput(log.toFile());
        Process p = pb.start();
        try {
            long t0 = System.nanoTime();
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(log).contains("listening on"));
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(900));
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isEqualTo(137);
            assertThat(Files.readString(log)).contains("CRASH_AFTER: dying now");
        } finally {
            p.destroyForcibly();
        }
    }
}
