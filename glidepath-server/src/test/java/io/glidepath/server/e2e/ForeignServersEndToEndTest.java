package io.glidepath.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.testkit.load.LoadGenerator;
import io.glidepath.route.RouteSpec;
import io.glidepath.testkit.foreign.ForeignServers;
import io.glidepath.route.Stickiness;
import io.glidepath.router.client.EndpointStatus;
import io.glidepath.router.client.RouterAdminClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Health belongs to the version: shipping servers nobody here wrote, whose versions answer different
 * readiness paths (Python's http.server on /web/, HAProxy on /health or /ready, each 404 on the
 * others'), under steady load, through a canary promoted, a canary rolled back, a blue-green switch
 * and a router restarted mid-canary from its state file. Users see no failed request: the stable
 * version is never checked on the new version's path, so it is never taken out.
 */
class ForeignServersEndToEndTest {
    private static final Duration MAX = Duration.ofSeconds(90);
    private static final String CANARY = "    strategy: canary\n    steps: [{weight: 20}, {bake: 3s}, {weight: 50}, {bake: 3s}]\n";

    @TempDir
    Path tmp;
    Stack stack;
    LoadGenerator load;

    @AfterEach
    void stop() throws Exception {
        if (load != null) {
            load.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void versionsWhoseReadinessPathsDifferShipUnderLoadWithNoFailedRequest() throws Exception {
        stack = Stack.start(tmp.resolve("glidepath"));
        ForeignServers servers = new ForeignServers(tmp.resolve("servers"));
        assertThat(end(stack.submit(servers.python("v1-python", "")))).isEqualTo("PROMOTED");
        load = load();
        await().atMost(Duration.ofSeconds(10)).until(() -> load.requestCount() > 200);

        // a canary on /health beside a stable that answers only /web/: promoted
        assertThat(end(stack.submit(servers.haproxy("v2-haproxy", "/health", 200, CANARY)))).isEqualTo("PROMOTED");
        assertEndpointsCheckedOn("/health");

        // a broken canary on /ready that also changes the route's stickiness: rolled back by the analysis,
        // the shield sends its failed answers to a stable still checked on /health, and the route is v2's again
        String broken = stack.submit(servers.haproxy("v3-broken", "/ready", 500, "{pathPrefix: /, sticky: {mode: header, name: X-User}}", CANARY));
        assertThat(end(broken)).isEqualTo("ROLLED_BACK");
        assertThat(stack.get("/v1/releases/" + broken).path("reason").asText()).contains("analysis failed");
        RouteSpec back = admin().route("web").orElseThrow().spec();
        assertThat(back.sticky()).isEqualTo(Stickiness.cookie());
        assertEndpointsCheckedOn("/health");

        // blue-green to a version on /web/: the stable on /health is not checked on /web/ while the new one is proven
        assertThat(end(stack.submit(servers.python("v4-python", "    strategy: blueGreen\n")))).isEqualTo("PROMOTED");
        assertEndpointsCheckedOn("/web/");

        // a canary paused by hand across a router restart: the restored state keeps each version's own check
        String paused = stack.submit(servers.haproxy("v5-haproxy", "/health", 200, "    strategy: canary\n    steps: [{weight: 50}, {pause: manual}]\n"));
        await().atMost(MAX).until(() -> stack.events(paused).stream().anyMatch(e -> e.path("message").asText().startsWith("paused at 50%")));
        load.close();
        assertThat(load.failures()).as("requests users saw fail before the router restart").isEmpty();
        stack.restartRouter();
        load = load();
        // several check intervals: a stable endpoint checked on the canary's path would be out after its first failed check
        await().atMost(Duration.ofSeconds(30)).until(() -> load.requestCount() > 800);
        assertThat(admin().endpoints("web")).hasSize(4).allMatch(EndpointStatus::isHealthy);
        assertThat(stack.post("/v1/releases/" + paused + "/promote", null).statusCode()).isEqualTo(202);
        assertThat(end(paused)).isEqualTo("PROMOTED");
        assertEndpointsCheckedOn("/health");

        load.close();
        assertThat(load.failures()).as("requests users saw fail").isEmpty();
        assertThat(load.requestCount()).isGreaterThan(800);
    }

    /** Users ask for /index.html: every version answers it, and the broken one fails it (its smoke test on / passes). */
    private LoadGenerator load() {
        return new LoadGenerator(LoadGenerator.Config.of("127.0.0.1", stack.proxyPort(), 8).withPaths(List.of("/index.html")).withRate(200)
                .withUsersPerConnection(32)).start();
    }

    private String end(String releaseId) throws Exception {
        JsonNode r = stack.awaitEnd(releaseId, MAX);
        return r.path("state").asText();
    }

    /** Users saw no failure so far, and every endpoint that serves the route is checked on {@code path} (the stable version's own). */
    private void assertEndpointsCheckedOn(String path) throws Exception {
        assertThat(load.failures()).as("requests users saw fail").isEmpty();
        RouteSpec route = admin().route("web").orElseThrow().spec();
        assertThat(route.stable()).isNotEmpty().allSatisfy(a -> assertThat(route.healthOf(a).path()).isEqualTo(path));
    }

    private RouterAdminClient admin() throws Exception {
        return RouterAdminClient.of("127.0.0.1", stack.router.adminAddress().getPort(), stack.data.resolve("router/admin.token"));
    }
}
