package io.glidepath.router.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.glidepath.route.InvalidRouteException;
import io.glidepath.route.RouteMatch;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.RouteState;
import io.glidepath.router.Router;
import io.glidepath.router.client.RouterAdminException;
import io.glidepath.router.testkit.Http;
import io.glidepath.router.testkit.RouterHarness;
import io.glidepath.router.testkit.SampleProcess;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A router replica whose routes come from elsewhere (the cluster's ConfigMaps): it takes each route
 * with the generation and preview key its writer gave, refuses changes through its own admin API
 * (one replica changed alone would split users from the others), and is not ready until it has read them.
 */
class RoutesFromElsewhereTest {
    @TempDir
    Path dir;
    SampleProcess v1;
    RouterHarness router;

    @AfterEach
    void stop() throws Exception {
        if (router != null) {
            router.close();
        }
        if (v1 != null) {
            v1.close();
        }
    }

    @Test
    void aReplicaTakesRoutesAsWrittenRefusesItsOwnChangesAndIsReadyOnlyOnceLoaded() throws Exception {
        v1 = SampleProcess.start("v1");
        router = RouterHarness.start(Router.Config.loopback(dir).withRoutesFrom("the ConfigMaps of namespace shop"));
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> ready = http.send(HttpRequest.newBuilder(router.adminUri("/ready")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).as("no token needed, and not ready before the routes are read").isEqualTo(503);
        assertThatThrownBy(() -> router.admin().health()).isInstanceOf(RouterAdminException.class).hasMessageContaining("503");

        RouteState written = new RouteState(RouteSpec.of("web", RouteMatch.any(), List.of(v1.address())), 7, "k".repeat(32));
        router.router().routes().adopt(written);
        router.router().routesLoaded();
        assertThat(http.send(HttpRequest.newBuilder(router.adminUri("/ready")).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                .isEqualTo(200);
        assertThat(router.admin().route("web")).contains(written);
        assertThat(Http.get(router.port(), "/").header("X-Version")).contains("v1");

        // the same route again changes nothing; a later one replaces it as written
        long table = router.admin().health();
        router.router().routes().adopt(written);
        assertThat(router.admin().health()).isEqualTo(table);
        RouteState next = new RouteState(written.spec().withCanaryWeight(0), 8, written.previewKey());
        router.router().routes().adopt(new RouteState(RouteSpec.of("api", new RouteMatch(null, "/api"), List.of(v1.address())), 1, "a".repeat(32)));
        assertThatThrownBy(() -> router.router().routes().adopt(new RouteState(RouteSpec.of("other", RouteMatch.any(), List.of(v1.address())), 1,
                "b".repeat(32)))).isInstanceOf(InvalidRouteException.class).hasMessageContaining("route 'web' already takes");
        router.router().routes().adopt(next);
        assertThat(router.admin().route("web").orElseThrow().generation()).isEqualTo(8);

        assertThatThrownBy(() -> router.admin().put(written.spec(), OptionalLong.empty())).isInstanceOf(RouterAdminException.class)
                .hasMessageContaining("405").hasMessageContaining("takes its routes from the ConfigMaps of namespace shop");
        assertThatThrownBy(() -> router.admin().delete("web", OptionalLong.empty())).hasMessageContaining("405");
        assertThatThrownBy(() -> router.admin().setWeight("web", 10, OptionalLong.empty())).hasMessageContaining("405");
        assertThat(router.admin().route("web").orElseThrow().generation()).as("nothing changed").isEqualTo(8);

        router.router().routes().forget("web");
        assertThat(router.admin().route("web")).isEmpty();
        assertThat(router.router().routes().names()).containsExactly("api");
    }
}
