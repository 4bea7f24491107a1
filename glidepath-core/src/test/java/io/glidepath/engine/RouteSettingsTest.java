package io.glidepath.engine;

import io.glidepath.journal.ReleaseEvent;
import io.glidepath.journal.Outcome;
import static org.assertj.core.api.Assertions.assertThat;

import io.glidepath.analysis.TrackFigures;
import io.glidepath.platform.Instance;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.RouteJson;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.Stickiness;
import io.glidepath.spec.ReleaseReader;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.store.ReleaseRecord;
import io.glidepath.journal.StoredEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What belongs to a version and what to the route: each endpoint keeps its own version's health
 * check and drain timeout in every track; the route's match and stickiness stay the stable
 * version's until the update that promotes the new one, and come back with a rollback; the canary
 * runs under its own release's shield.
 */
class RouteSettingsTest extends EngineFixture {
    static final String V1_ROUTE = "{pathPrefix: /catalog}";
    static final String V2_ROUTE = "{pathPrefix: /catalog, sticky: {mode: header, name: X-User}, shield: false, drainTimeout: 1m, "
            + "https: {redirect: true, hsts: {maxAge: 8760h}}}";

    static ReleaseSpec release(String version, String route, String readiness, String steps) throws Exception {
        return ReleaseReader.read("r.yaml", """
                services:
                  - name: catalog
                    version: %s
                    run: {command: [catalog], replicas: 2}
                    route: %s
                    readiness: {path: %s, interval: 500ms, healthyAfter: 2, deadline: 10s}
                    analysis: {interval: 1s, minRequests: 50, failAfter: 2, postPromotion: 5s, rules: [{errorRate: {max: 1%%}}]}
                    keepPrevious: 1m
                %s""".formatted(version, route, readiness, steps));
    }

    ReleaseRecord deploy(ReleaseSpec spec) throws Exception {
        ReleaseRecord r = engine.submit(spec, "r.yaml", "", Path.of("."), "alice");
        engine.awaitAll(Duration.ofSeconds(20));
        return store.release(r.id()).orElseThrow();
    }

    List<EndpointAddress> live(String version) {
        return platform.list("catalog").stream().filter(i -> i.version().equals(version)).map(Instance::address).toList();
    }

    @Test
    void aCanaryRunsUnderTheStableVersionsRouteWithEachVersionCheckedOnItsOwnPathUntilItsPromotion() throws Exception {
        deploy(release("1", V1_ROUTE, "/health", ""));
        List<EndpointAddress> v1 = live("1");
        int before = router.applied.size();

        ReleaseRecord r = deploy(release("2", V2_ROUTE, "/ready", "    steps: [{weight: 10}, {bake: 2s}]\n"));

        assertThat(r.outcome()).contains(Outcome.PROMOTED);
        List<EndpointAddress> v2 = router.applied.get(before).preview();
        List<RouteSpec> changes = router.applied.subList(before, router.applied.size());
        RouteSpec promotion = changes.stream().filter(s -> s.stable().equals(v2)).findFirst().orElseThrow();
        for (RouteSpec s : changes.subList(0, changes.indexOf(promotion))) {
            // the preview and canary updates: v1's route, v1 checked on /health, v2 on /ready
            assertThat(s.sticky()).isEqualTo(Stickiness.cookie());
            assertThat(s.https().isNone()).as("v1's route asked no redirect: v2's only applies from its promotion").isTrue();
            v1.forEach(a -> assertThat(s.healthOf(a).path()).isEqualTo("/health"));
            v2.forEach(a -> assertThat(s.healthOf(a).path()).isEqualTo("/ready"));
            v2.forEach(a -> assertThat(s.drainTimeoutOf(a)).isEqualTo(Duration.ofMinutes(1)));
            v1.forEach(a -> assertThat(s.drainTimeoutOf(a)).isEqualTo(RouteSpec.DEFAULT_DRAIN_TIMEOUT));
        }
        assertThat(changes).filteredOn(s -> s.canaryWeight() > 0).isNotEmpty()
                .allSatisfy(s -> assertThat(s.shield()).as("the canary runs under its own release's shield").isFalse());
        // promoted: v2's route; v1, kept warm on the preview track, is still checked on its own path
        assertThat(promotion.sticky()).isEqualTo(Stickiness.header("X-User"));
        assertThat(promotion.https()).isEqualTo(new io.glidepath.route.HttpsPolicy(true, java.util.Optional.of(Duration.ofHours(8760)), false));
        assertThat(promotion.settingsOf(v2.get(0)).version()).as("each endpoint carries its version, for the access log").contains("2");
        assertThat(promotion.preview()).containsExactlyInAnyOrderElementsOf(v1);
        v1.forEach(a -> assertThat(promotion.healthOf(a).path()).isEqualTo("/health"));
        v2.forEach(a -> assertThat(promotion.healthOf(a).path()).isEqualTo("/ready"));
    }

    @Test
    void aCanaryRolledBackPutsBackTheRouteTheStableVersionHad() throws Exception {
        deploy(release("1", V1_ROUTE, "/health", ""));
        List<EndpointAddress> v1 = live("1");
        RouteSpec v1Route = router.last();
        metrics.figures = (t, canary) -> new TrackFigures(200, canary ? 100 : 0, Map.of(99.0, 15.0));

        ReleaseRecord r = deploy(release("2", V2_ROUTE, "/ready", "    steps: [{weight: 10}, {bake: 5s}]\n"));

        assertThat(r.outcome()).contains(Outcome.ROLLED_BACK);
        RouteSpec back = router.last();
        assertThat(back.stable()).containsExactlyInAnyOrderElementsOf(v1);
        assertThat(back.sticky()).isEqualTo(v1Route.sticky());
        assertThat(back.shield()).isEqualTo(v1Route.shield());
        assertThat(back.https()).isEqualTo(v1Route.https());
        v1.forEach(a -> assertThat(back.healthOf(a).path()).isEqualTo("/health"));
        // the route before is journaled, so a restarted server puts the same one back
        ReleaseEvent.RouteBefore journaled = store.events(r.id(), 0).stream().map(StoredEvent::event)
                .filter(e -> e instanceof ReleaseEvent.RouteBefore).map(e -> (ReleaseEvent.RouteBefore) e).findFirst().orElseThrow();
        assertThat(RouteJson.readSpec("catalog", journaled.route())).isEqualTo(v1Route);
    }

    @Test
    void aVersionRolledBackAfterItsPromotionGivesTheRouteBackToThePreviousVersion() throws Exception {
        deploy(release("1", V1_ROUTE, "/health", ""));
        List<EndpointAddress> v1 = live("1");
        // fine as a canary, failing once alone after its promotion
        metrics.figures = (t, canary) -> new TrackFigures(200, router.last().canaryWeight() == 0 && router.last().sticky().mode() == Stickiness.Mode.HEADER
                ? 100 : 0, Map.of(99.0, 15.0));

        ReleaseRecord r = deploy(release("2", V2_ROUTE, "/ready", "    steps: [{weight: 10}, {bake: 2s}]\n"));

        assertThat(r.outcome()).contains(Outcome.ROLLED_BACK);
        RouteSpec back = router.last();
        assertThat(back.stable()).containsExactlyInAnyOrderElementsOf(v1);
        assertThat(back.sticky()).isEqualTo(Stickiness.cookie());
        assertThat(back.shield()).isTrue();
        v1.forEach(a -> assertThat(back.healthOf(a).path()).isEqualTo("/health"));
    }
}
