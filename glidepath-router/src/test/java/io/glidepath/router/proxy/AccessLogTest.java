package io.glidepath.router.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.glidepath.route.EndpointSettings;
import io.glidepath.route.HealthCheck;
import io.glidepath.route.RouteMatch;
import io.glidepath.route.RouteSpec;
import io.glidepath.router.Router;
import io.glidepath.router.testkit.Http;
import io.glidepath.router.testkit.RouterHarness;
import io.glidepath.router.testkit.SampleProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The access log, read back as a user's log shipper would: one JSON object per line, with what the router did. */
class AccessLogTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void eachRequestIsALineNamingRouteTrackVersionEndpointStatusBytesAndClientWithoutTheQuery() throws Exception {
        Path file = dir.resolve("logs/access.log");
        try (SampleProcess v1 = SampleProcess.start("v1");
             RouterHarness router = RouterHarness.start(Router.Config.loopback(dir.resolve("state")).withAccessLog(file.toString()))) {
            RouteSpec web = RouteSpec.of("web", new RouteMatch(null, "/web"), List.of(v1.address()));
            web = web.withEndpointSettings(Map.of(v1.address(), new EndpointSettings(HealthCheck.tcpDefault(), Duration.ofSeconds(5), Optional.of("v1"))));
            router.admin().put(web, OptionalLong.empty());

            assertThat(Http.get(router.port(), "/web/orders?token=secret").status()).isEqualTo(200);
            assertThat(Http.get(router.port(), "/elsewhere").status()).isEqualTo(404);
            assertThat(Http.raw(router.port(), "GET /web HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")).startsWith("HTTP/1.1 400");

            // each request's line is written once it is answered: one that ended on another event loop may come first
            List<JsonNode> lines = awaitLines(file, 3);
            JsonNode ok = byStatus(lines, 200);
            assertThat(ok.path("route").asText()).isEqualTo("web");
            assertThat(ok.path("track").asText()).isEqualTo("stable");
            assertThat(ok.path("version").asText()).isEqualTo("v1");
            assertThat(ok.path("endpoint").asText()).isEqualTo(v1.address().toString());
            assertThat(ok.path("status").asInt()).isEqualTo(200);
            assertThat(ok.path("bytes").asLong()).isPositive();
            assertThat(ok.path("durationMs").asDouble()).isPositive();
            assertThat(ok.path("client").asText()).isEqualTo("127.0.0.1");
            assertThat(ok.path("method").asText()).isEqualTo("GET");
            assertThat(ok.path("path").asText()).as("the query is left out: tokens travel in it").isEqualTo("/web/orders");
            assertThat(lines.toString()).doesNotContain("secret");
            assertThat(ok.path("time").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");

            JsonNode unmatched = byStatus(lines, 404);
            assertThat(unmatched.path("status").asInt()).isEqualTo(404);
            assertThat(unmatched.path("route").isNull()).isTrue();
            assertThat(unmatched.path("endpoint").isNull()).as("the router answered itself").isTrue();
            assertThat(byStatus(lines, 400).path("path").asText()).isEqualTo("/web");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-r-----");

            // logrotate moves the file away: the next lines go to a new file at the path
            Files.move(file, dir.resolve("logs/access.log.1"));
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                Http.get(router.port(), "/web/after-rotation");
                return Files.exists(file) && Files.readString(file).contains("/web/after-rotation");
            });
            // lines written before the move stay in the moved file (and, until it is noticed, a second's more: logrotate's delaycompress)
            assertThat(Files.readString(dir.resolve("logs/access.log.1"))).contains("/web/orders", "/elsewhere");
        }
    }

    @Test
    void withoutTheOptionNothingIsLogged() throws Exception {
        try (SampleProcess v1 = SampleProcess.start("v1"); RouterHarness router = RouterHarness.start(dir.resolve("state"))) {
            router.route("web", List.of(v1.address()));
            assertThat(Http.get(router.port(), "/").status()).isEqualTo(200);
            assertThat(router.router().listenerCounters().accessLogDropped()).isZero();
        }
        try (var files = Files.walk(dir)) {
            assertThat(files.filter(p -> p.getFileName().toString().contains("access"))).isEmpty();
        }
    }

    private static JsonNode byStatus(List<JsonNode> lines, int status) {
        return lines.stream().filter(l -> l.path("status").asInt() == status).findFirst()
                .orElseThrow(() -> new AssertionError("no line with status " + status + " in " + lines));
    }

    private static List<JsonNode> awaitLines(Path file, int n) {
        List<JsonNode> out = new ArrayList<>();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            out.clear();
            if (!Files.exists(file)) {
                return false;
            }
            for (String line : Files.readAllLines(file)) {
                out.add(JSON.readTree(line));
            }
            return out.size() >= n;
        });
        return out;
    }
}
