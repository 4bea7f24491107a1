package io.glidepath.router.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.RouteJson;
import io.glidepath.route.RouteState;
import io.glidepath.route.Track;
import io.glidepath.router.client.RouterAdminException;
import io.glidepath.router.testkit.Http;
import io.glidepath.router.testkit.RouterHarness;
import io.glidepath.router.testkit.SampleProcess;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminApiTest {
    @TempDir
    static Path dir;
    static SampleProcess v1;
    static SampleProcess v2;
    static RouterHarness router;
    static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        v1 = SampleProcess.start("v1");
        v2 = SampleProcess.start("v2");
        router = RouterHarness.start(dir);
    }

    @AfterAll
    static void stop() throws Exception {
        router.close();
        v1.close();
        v2.close();
    }

    @BeforeEach
    void clean() throws Exception {
        for (RouteState r : router.admin().routes()) {
            router.admin().delete(r.name(), OptionalLong.empty());
        }
    }

    @Test
    void theTokenFileIsCreatedReadableByItsOwnerOnly() throws Exception {
        Path token = dir.resolve("admin.token");
        assertThat(Files.getPosixFilePermissions(token)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.readString(token).strip()).hasSizeGreaterThan(40);
    }

    @Test
    void everyCallWithoutTheRightTokenGets401() throws Exception {
        for (String path : List.of("/v1/health", "/v1/routes", "/v1/routes/web", "/metrics")) {
            assertThat(call("GET", path, null, null, null).statusCode()).as(path).isEqualTo(401);
            assertThat(call("GET", path, null, "Bearer wrong-token", null).statusCode()).as(path).isEqualTo(401);
        }
        HttpResponse<String> put = call("PUT", "/v1/routes/web", "{\"stable\":[]}", "Bearer nope", null);
        assertThat(put.statusCode()).isEqualTo(401);
        assertThat(put.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        assertThat(router.admin().routes()).isEmpty();
    }

    @Test
    void createsReadsChangesAndDeletesARoute() throws Exception {
        HttpResponse<String> created = call("PUT", "/v1/routes/web",
                "{\"match\":{\"host\":\"shop.example.com\",\"pathPrefix\":\"/\"},\"stable\":[\"" + v1.address() + "\"]}", bearer(), null);
        assertThat(created.statusCode()).isEqualTo(201);
        JsonNode c = RouteJson.MAPPER.readTree(created.body());
        long g1 = c.path("generation").asLong();
        assertThat(created.headers().firstValue("ETag")).contains("\"" + g1 + "\"");
        assertThat(c.path("previewKey").asText()).hasSize(32);
        assertThat(c.path("sticky").path("mode").asText()).isEqualTo("cookie");

        HttpResponse<String> weight = call("PATCH", "/v1/routes/web/weight", "{\"canaryWeight\":2500}", bearer(), String.valueOf(g1));
        assertThat(weight.statusCode()).isEqualTo(200);
        long g2 = RouteJson.MAPPER.readTree(weight.body()).path("generation").asLong();
        assertThat(g2).isGreaterThan(g1);

        RouteState r = router.admin().route("web").orElseThrow();
        assertThat(r.spec().canaryWeight()).isEqualTo(2500);
        assertThat(r.previewKey()).isEqualTo(c.path("previewKey").asText());

        HttpResponse<String> deleted = call("DELETE", "/v1/routes/web", null, bearer(), String.valueOf(g2));
        assertThat(deleted.statusCode()).isEqualTo(200);
        assertThat(router.admin().route("web")).isEmpty();
        assertThat(call("GET", "/v1/routes/web", null, bearer(), null).statusCode()).isEqualTo(404);
    }

    @Test
    void aStaleGenerationGets409AndChangesNothing() throws Exception {
        RouteState r = router.route("web", List.of(v1.address()));
        router.admin().setWeight("web", 1000, OptionalLong.of(r.generation()));
        HttpResponse<String> stale = call("PATCH", "/v1/routes/web/weight", "{\"canaryWeight\":9000}", bearer(), String.valueOf(r.generation()));
        assertThat(stale.statusCode()).isEqualTo(409);
        assertThat(stale.body()).contains("read it again and retry");
        assertThatThrownBy(() -> router.admin().put(r.spec().withStable(List.of(v2.address())), OptionalLong.of(r.generation())))
                .isInstanceOfSatisfying(RouterAdminException.class, e -> assertThat(e.isConflict()).isTrue());
        assertThatThrownBy(() -> router.admin().delete("web", OptionalLong.of(r.generation())))
                .isInstanceOfSatisfying(RouterAdminException.class, e -> assertThat(e.isConflict()).isTrue());
        RouteState now = router.admin().route("web").orElseThrow();
        assertThat(now.spec().canaryWeight()).isEqualTo(1000);
        assertThat(now.spec().stable()).containsExactly(v1.address());
        // creating a route that must not exist yet
        assertThat(call("PUT", "/v1/routes/web", "{\"stable\":[]}", bearer(), "0").statusCode()).isEqualTo(409);
        assertThat(call("PUT", "/v1/routes/fresh", "{\"match\":{\"pathPrefix\":\"/fresh\"}}", bearer(), "0").statusCode()).isEqualTo(201);
    }

    @Test
    void aBadBodyGets400WithThePointerOfEachBadField() throws Exception {
        HttpResponse<String> r = call("PUT", "/v1/routes/web", """
                {"match": {"host": "bad host!", "pathPrefix": "api"},
                 "stable": ["127.0.0.1:9001", "nope", "127.0.0.1:70000"],
                 "canary": ["127.0.0.1:9001"],
                 "canaryWeight": 12000,
                 "sticky": {"mode": "sometimes"},
                 "helth": {},
                 "health": {"interval": "soon", "healthyThreshold": 0},
                 "drainTimeout": "2d"}
                """, bearer(), null);
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode body = RouteJson.MAPPER.readTree(r.body());
        List<String> pointers = new ArrayList<>();
        body.path("errors").forEach(e -> pointers.add(e.path("pointer").asText()));
        assertThat(pointers).containsExactlyInAnyOrder("/helth", "/match/host", "/match/pathPrefix", "/stable/1", "/stable/2", "/canary/0",
                "/canaryWeight", "/sticky/mode", "/health/interval", "/health/healthyThreshold", "/drainTimeout");
        assertThat(r.body()).contains("did you mean \\\"health\\\"?").contains("0..10000").contains("appears twice");
        assertThat(router.admin().routes()).isEmpty();
    }

    @Test
    void badJsonAndBadHeadersAre400AndChangeNothing() throws Exception {
        HttpResponse<String> notJson = call("PUT", "/v1/routes/web", "{\"stable\": [", bearer(), null);
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(notJson.body()).contains("not valid JSON at line 1");
        HttpResponse<String> badIfMatch = call("PUT", "/v1/routes/web", "{\"stable\":[]}", bearer(), "yesterday");
        assertThat(badIfMatch.statusCode()).isEqualTo(400);
        assertThat(badIfMatch.body()).contains("If-Match");
        HttpResponse<String> badName = call("PUT", "/v1/routes/Bad_Name!", "{\"stable\":[]}", bearer(), null);
        assertThat(badName.statusCode()).isEqualTo(400);
        HttpResponse<String> badWeight = call("PATCH", "/v1/routes/web/weight", "{\"weight\": 5}", bearer(), null);
        assertThat(badWeight.statusCode()).isEqualTo(400);
        assertThat(badWeight.body()).contains("/canaryWeight").contains("did you mean");
        HttpResponse<String> badWindow = call("GET", "/v1/routes/web/stats?window=forever", null, bearer(), null);
        assertThat(badWindow.statusCode()).isIn(400, 404);
        assertThat(router.admin().routes()).isEmpty();
    }

    @Test
    void aDeeplyNestedBodyGets400WithItsLocationAndChangesNothing() throws Exception {
        HttpResponse<String> arrays = call("PUT", "/v1/routes/web", "{\"stable\": " + "[".repeat(20_000), bearer(), null);
        assertThat(arrays.statusCode()).isEqualTo(400);
        JsonNode error = RouteJson.MAPPER.readTree(arrays.body()).path("errors").get(0);
        assertThat(error.path("message").asText()).startsWith("the body nests deeper than 64 levels at line 1, column ");
        assertThat(error.path("pointer").asText()).startsWith("/stable/0/0/");
        HttpResponse<String> objects = call("PUT", "/v1/routes/web", "{\"match\":\n".repeat(5_000), bearer(), null);
        assertThat(objects.statusCode()).isEqualTo(400);
        assertThat(RouteJson.MAPPER.readTree(objects.body()).path("errors").get(0).path("message").asText())
                .startsWith("the body nests deeper than 64 levels at line 65, column ");
        assertThat(router.admin().routes()).isEmpty();
    }

    @Test
    void twoRoutesCannotTakeTheSameHostAndPrefix() throws Exception {
        router.route("one", List.of(v1.address()));
        assertThatThrownBy(() -> router.route("two", List.of(v2.address())))
                .isInstanceOfSatisfying(RouterAdminException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.fieldErrors()).singleElement().satisfies(f -> assertThat(f.pointer()).isEqualTo("/match"));
                });
    }

    @Test
    void reportsEndpointsStatsAndPrometheusMetrics() throws Exception {
        RouteState r = router.route("web", List.of(v1.address()));
        router.admin().put(r.spec().withCanary(List.of(v2.address())).withCanaryWeight(5000), OptionalLong.of(r.generation()));
        for (int i = 0; i < 40; i++) {
            assertThat(Http.get(router.port(), "/").status()).isEqualTo(200);
        }
        var endpoints = router.admin().endpoints("web");
        assertThat(endpoints).extracting(e -> e.address()).containsExactlyInAnyOrder(v1.address(), v2.address());
        assertThat(endpoints).allSatisfy(e -> {
            assertThat(e.isHealthy()).isTrue();
            assertThat(e.phase()).isEqualTo("active");
        });
        assertThat(endpoints).filteredOn(e -> e.address().equals(v2.address())).singleElement()
                .satisfies(e -> assertThat(e.track()).contains(Track.CANARY));
        var stats = router.admin().stats("web", Duration.ofSeconds(60));
        assertThat(stats.track(Track.STABLE).requests() + stats.track(Track.CANARY).requests()).isEqualTo(40);
        assertThat(stats.track(Track.STABLE).requests()).isPositive();
        assertThat(stats.track(Track.CANARY).requests()).isPositive();
        assertThat(stats.track(Track.STABLE).p99Millis()).isPositive();
        String prom = router.admin().metrics();
        assertThat(prom).contains("glidepath_router_requests_total{class=\"2xx\",route=\"web\",track=\"stable\"}")
                .contains("glidepath_router_canary_weight{route=\"web\"} 5000")
                .contains("glidepath_router_endpoint_inflight{endpoint=\"" + v1.address() + "\",route=\"web\"}")
                .contains("# TYPE glidepath_router_request_latency_seconds histogram")
                .contains("glidepath_router_request_latency_seconds_bucket{route=\"web\",track=\"stable\",le=\"0.001\"}")
                .contains("glidepath_router_request_latency_seconds_bucket{route=\"web\",track=\"canary\",le=\"+Inf\"} "
                        + stats.track(Track.CANARY).requests())
                .contains("glidepath_router_request_latency_seconds_count{route=\"web\",track=\"stable\"} " + stats.track(Track.STABLE).requests());
    }

    @Test
    void statsCountRequestsSlowerThanTheAskedDurationsAndRefuseBadOnesNamingTheItem() throws Exception {
        router.route("web", List.of(v1.address()));
        assertThat(Http.get(router.port(), "/slow?ms=300").status()).isEqualTo(200);
        long t0 = System.nanoTime();
        assertThat(Http.get(router.port(), "/").status()).isEqualTo(200);
        // the fast request counts as slow too only if the client waited over 250 ms for it (a loaded machine)
        long slow = System.nanoTime() - t0 > 250_000_000L ? 2 : 1;

        HttpResponse<String> ok = call("GET", "/v1/routes/web/stats?window=1m&slowerThan=250ms,1s", null, bearer(), null);
        assertThat(ok.statusCode()).isEqualTo(200);
        JsonNode n = RouteJson.MAPPER.readTree(ok.body());
        JsonNode expected = RouteJson.MAPPER.readTree("{\"250ms\": " + slow + ", \"1s\": 0}");
        assertThat(n.path("tracks").path("stable").path("slowerThan")).isEqualTo(expected);
        assertThat(n.path("endpoints").path(v1.address().toString()).path("slowerThan")).isEqualTo(expected);
        assertThat(n.path("overridden").path("canary").path("slowerThan")).isEqualTo(RouteJson.MAPPER.readTree("{\"250ms\": 0, \"1s\": 0}"));
        assertThat(n.path("shieldAnswers").path("requests").asLong()).isZero();

        for (String[] bad : new String[][] {
                {"250ms,soon", "query parameter slowerThan=250ms,soon: item 2 'soon' is not a duration"},
                {"0ms", "item 1 '0ms' is not above 0 and below 1m"},
                {"90s", "item 1 '90s' is not above 0 and below 1m"},
                {"1ms,2ms,3ms,4ms,5ms,6ms,7ms,8ms,9ms", "lists 9 durations; ask for at most 8"}}) {
            HttpResponse<String> r = call("GET", "/v1/routes/web/stats?slowerThan=" + bad[0], null, bearer(), null);
            assertThat(r.statusCode()).as(bad[0]).isEqualTo(400);
            assertThat(RouteJson.MAPPER.readTree(r.body()).path("error").asText()).as(bad[0]).contains(bad[1]);
        }
    }

    @Test
    void statsFromASecondGiveTheWholeSecondsSinceAndWhereTheyEndAndRefuseABadSecond() throws Exception {
        // a route of its own (the router is shared by this class's tests, whose figures must not see this request)
        router.admin().put(io.glidepath.route.RouteSpec.of("since", new io.glidepath.route.RouteMatch(null, "/since"), List.of(v1.address())),
                OptionalLong.empty());
        assertThat(Http.get(router.port(), "/since").status()).isEqualTo(200);
        JsonNode trailing = RouteJson.MAPPER.readTree(call("GET", "/v1/routes/since/stats?window=5s", null, bearer(), null).body());
        long to = trailing.path("toSecond").asLong();
        assertThat(to).as("after the running second").isPositive();
        assertThat(trailing.path("tracks").path("stable").path("requests").asLong()).isEqualTo(1);

        HttpResponse<String> from = call("GET", "/v1/routes/since/stats?from=" + (to - 10), null, bearer(), null);
        assertThat(from.statusCode()).isEqualTo(200);
        JsonNode n = RouteJson.MAPPER.readTree(from.body());
        long current = n.path("toSecond").asLong();
        assertThat(current).isBetween(to - 1, to + 5);
        assertThat(n.path("windowSeconds").asLong()).isEqualTo(current - (to - 10));
        JsonNode next = RouteJson.MAPPER.readTree(call("GET", "/v1/routes/since/stats?from=" + to, null, bearer(), null).body());
        assertThat(next.path("toSecond").asLong()).as("never before where it was asked from").isGreaterThanOrEqualTo(to);

        for (String bad : List.of("soon", "-1", String.valueOf(to + 100))) {
            HttpResponse<String> r = call("GET", "/v1/routes/since/stats?from=" + bad, null, bearer(), null);
            assertThat(r.statusCode()).as(bad).isEqualTo(400);
            assertThat(RouteJson.MAPPER.readTree(r.body()).path("error").asText()).as(bad)
                    .startsWith("query parameter from=" + bad + " must be an epoch second no later than the router's current one");
        }
    }

    @Test
    void drainTakesEndpointsOutOfEveryTrack() throws Exception {
        RouteState r = router.route("web", List.of(v1.address(), v2.address()));
        RouteState after = router.admin().drain("web", List.of(v2.address()), OptionalLong.of(r.generation()));
        assertThat(after.spec().allEndpoints()).containsExactly(v1.address());
        assertThat(router.admin().endpoints("web")).filteredOn(e -> e.address().equals(v2.address()))
                .singleElement().satisfies(e -> assertThat(e.track()).isEmpty());
        assertThatThrownBy(() -> router.admin().drain("nothing", List.of(new EndpointAddress("127.0.0.1", 1)), OptionalLong.empty()))
                .isInstanceOfSatisfying(RouterAdminException.class, e -> assertThat(e.isNotFound()).isTrue());
    }

    private static String bearer() throws Exception {
        return "Bearer " + router.token();
    }

    private static HttpResponse<String> call(String method, String path, String body, String auth, String ifMatch) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(router.adminUri(path)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (auth != null) {
            b.header("Authorization", auth);
        }
        if (ifMatch != null) {
            b.header("If-Match", ifMatch);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
