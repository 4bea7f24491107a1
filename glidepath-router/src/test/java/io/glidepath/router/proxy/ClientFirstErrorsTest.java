package io.glidepath.router.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.glidepath.analysis.ClientOutcome;
import io.glidepath.analysis.MetricQuery;
import io.glidepath.analysis.MetricTarget;
import io.glidepath.analysis.TrafficWindow;
import io.glidepath.http.ClientRequest;
import io.glidepath.http.ClientResponse;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.RouteState;
import io.glidepath.route.Stickiness;
import io.glidepath.route.Track;
import io.glidepath.router.client.RouteStats;
import io.glidepath.router.client.RouterMetricSource;
import io.glidepath.router.client.TrafficStats;
import io.glidepath.router.metrics.ClientErrorLedger;
import io.glidepath.router.testkit.Http;
import io.glidepath.router.testkit.RouterHarness;
import io.glidepath.router.testkit.SampleProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients' first errors (docs/router.md): on a sticky split each client whose 5xx is its first since the
 * canary began counts once, on the track the split gave it, however many errors it has; the canary's share
 * of clients is reported beside; requests nobody can tell apart as one client's count nowhere.
 */
class ClientFirstErrorsTest {
    static final Duration WINDOW = Duration.ofSeconds(60);
    static final String COOKIE = Stickiness.DEFAULT_COOKIE;

    @TempDir
    Path dir;
    final List<SampleProcess> processes = new ArrayList<>();
    RouterHarness router;

    @AfterEach
    void stop() throws Exception {
        if (router != null) {
            router.close();
        }
        for (SampleProcess p : processes) {
            p.close();
        }
    }

    private SampleProcess sample(String version) throws Exception {
        SampleProcess p = SampleProcess.start(version);
        processes.add(p);
        return p;
    }

    /** A route "web" with stable v1 and canary v2 at {@code weight}, changed by {@code settings}. */
    private RouteState startRoute(int weight, UnaryOperator<RouteSpec> settings) throws Exception {
        SampleProcess stable = sample("v1");
        SampleProcess canary = sample("v2");
        router = RouterHarness.start(dir);
        RouteState s = router.route("web", List.of(stable.address()));
        return router.admin().put(settings.apply(s.spec().withCanary(List.of(canary.address())).withCanaryWeight(weight)),
                OptionalLong.of(s.generation()));
    }

    private static ClientRequest asClient(String path, String id) {
        return ClientRequest.get(path).withHeader("Cookie", COOKIE + "=" + id);
    }

    /** The version each client's plain request reaches (a 200, so no shield is in the way). */
    private Map<String, String> versions(List<String> ids, BiFunction<String, String, ClientRequest> as) throws Exception {
        Map<String, String> v = new LinkedHashMap<>();
        for (String id : ids) {
            ClientResponse r = Http.send(router.port(), as.apply("/", id));
            assertThat(r.status()).isEqualTo(200);
            v.put(id, r.header("X-Version").orElseThrow());
        }
        return v;
    }

    private static long count(Map<String, String> versions, String version) {
        return versions.values().stream().filter(version::equals).count();
    }

    private void fail(List<String> ids, int times, BiFunction<String, String, ClientRequest> as) throws Exception {
        for (String id : ids) {
            for (int i = 0; i < times; i++) {
                assertThat(Http.send(router.port(), as.apply("/status/500", id)).status()).isEqualTo(500);
            }
        }
    }

    private static List<String> clients(String prefix, int n) {
        List<String> ids = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            ids.add(prefix + "-" + i);
        }
        return ids;
    }

    private RouteStats stats() throws Exception {
        return router.admin().stats("web", WINDOW);
    }

    private static long first(RouteStats s, Track t) {
        return s.track(t).firstClientErrors().orElseThrow();
    }

    @Test
    void aCookieSplitCountsEachFailingClientOnceOnItsTrackAndNothingElse() throws Exception {
        startRoute(5000, spec -> spec); // cookie stickiness and the shield by default
        List<String> ids = clients("client", 16);
        Map<String, String> versions = versions(ids, ClientFirstErrorsTest::asClient);
        long onCanary = count(versions, "v2");
        assertThat(onCanary).as("the split put clients on both tracks").isBetween(1L, 15L);

        fail(ids, 4, ClientFirstErrorsTest::asClient);

        RouteStats stats = stats();
        assertThat(stats.clientShare()).isEqualTo(OptionalDouble.of(0.5));
        assertThat(stats.track(Track.CANARY).status5xx()).as("each request (shielded) on the canary").isEqualTo(4 * onCanary);
        assertThat(stats.track(Track.CANARY).shielded()).isEqualTo(4 * onCanary);
        assertThat(stats.track(Track.STABLE).status5xx()).isEqualTo(4 * (16 - onCanary));
        assertThat(first(stats, Track.CANARY)).as("clients, not requests").isEqualTo(onCanary);
        assertThat(first(stats, Track.STABLE)).isEqualTo(16 - onCanary);
        assertThat(stats.shieldAnswers().status5xx()).as("stable's answers in place of the canary's").isEqualTo(4 * onCanary);
        // only the split's stable and canary count clients
        assertThat(stats.track(Track.PREVIEW).firstClientErrors()).isEmpty();
        assertThat(stats.shieldAnswers().firstClientErrors()).isEmpty();
        assertThat(stats.overridden(Track.CANARY).firstClientErrors()).isEmpty();
        assertThat(stats.endpoints().values()).allSatisfy(e -> assertThat(e.firstClientErrors()).isEmpty());

        // the override header chooses the track: the client is not the split's, so it never counts, and it is not spent
        for (String track : List.of("canary", "stable")) {
            for (int i = 0; i < 3; i++) {
                assertThat(Http.send(router.port(), asClient("/status/500", "tester").withHeader("X-Glidepath-Track", track)).status()).isEqualTo(500);
            }
        }
        stats = stats();
        assertThat(stats.overridden(Track.CANARY).status5xx()).isEqualTo(3);
        assertThat(stats.overridden(Track.STABLE).status5xx()).isEqualTo(3);
        assertThat(first(stats, Track.CANARY) + first(stats, Track.STABLE)).isEqualTo(16);
        fail(List.of("tester"), 2, ClientFirstErrorsTest::asClient);
        stats = stats();
        assertThat(first(stats, Track.CANARY) + first(stats, Track.STABLE)).as("the tester's own first error through the split").isEqualTo(17);

        // a client without the cookie is a new client each time (the cookie it is given is what its id is)
        for (int i = 0; i < 3; i++) {
            ClientResponse r = Http.get(router.port(), "/status/500");
            assertThat(r.status()).isEqualTo(500);
            assertThat(r.header("Set-Cookie")).hasValueSatisfying(c -> assertThat(c).startsWith(COOKIE + "="));
        }
        stats = stats();
        assertThat(first(stats, Track.CANARY) + first(stats, Track.STABLE)).isEqualTo(20);

        // the judge's seam: clients can be counted, with the canary's share of them
        TrafficWindow w = new RouterMetricSource(router.admin()).window(MetricTarget.of("web"), new MetricQuery(WINDOW, Set.of(99.0), Set.of()));
        assertThat(w.countsClients()).isTrue();
        assertThat(w.clientShare()).isEqualTo(OptionalDouble.of(0.5));
        assertThat(w.canary().firstClientErrors()).isEqualTo(stats.track(Track.CANARY).firstClientErrors());
        assertThat(w.stable().firstClientErrors()).isEqualTo(stats.track(Track.STABLE).firstClientErrors());
        assertThat(router.admin().metrics())
                .contains("glidepath_router_first_client_errors_total{route=\"web\",track=\"canary\"} " + first(stats, Track.CANARY) + ".0")
                .contains("glidepath_router_first_client_errors_total{route=\"web\",track=\"stable\"} " + first(stats, Track.STABLE) + ".0")
                .contains("glidepath_router_client_ledger_full{route=\"web\"} 0.0");
    }

    @Test
    void aStickySplitRevealsEachClientWithItsRequestsAndErrorsOnItsTrackOnce() throws Exception {
        startRoute(5000, spec -> spec); // cookie stickiness, shield on: a canary failure counts once, as the canary's
        List<String> ids = clients("revealed", 12);
        Map<String, String> versions = versions(ids, ClientFirstErrorsTest::asClient);
        long onCanary = count(versions, "v2");
        // each client: 20 requests, half of them 500s; the route's rate is then a half, so ten expected errors take 20 requests
        for (String id : ids) {
            for (int i = 1; i < 20; i++) {
                ClientRequest r = asClient(i % 2 == 0 ? "/" : "/status/500", id);
                assertThat(Http.send(router.port(), r).status()).isEqualTo(i % 2 == 0 ? 200 : 500);
            }
        }
        RouteStats stats = stats();
        assertThat(stats.revealedClients()).hasValueSatisfying(clients -> {
            assertThat(clients).hasSize(12).allSatisfy(c -> {
                assertThat(c.level()).isZero();
                assertThat(c.requests()).isEqualTo(20);
                assertThat(c.errors()).isEqualTo(10);
                assertThat(c.canaryChance()).isEqualTo(0.5);
            });
            assertThat(clients).filteredOn(ClientOutcome::canary).as("on the track the split gave each").hasSize((int) onCanary);
        });
        // the judge's source hands them to the judge, each once
        RouterMetricSource source = new RouterMetricSource(router.admin());
        TrafficWindow first = source.window(MetricTarget.of("web"), new MetricQuery(WINDOW, Set.of(99.0), Set.of()));
        assertThat(first.clients()).hasValueSatisfying(c -> assertThat(c).hasSize(12));
        Thread.sleep(1100); // the next read covers the whole seconds since the first one ended
        TrafficWindow next = source.window(MetricTarget.of("web"), new MetricQuery(WINDOW, Set.of(99.0), Set.of()));
        assertThat(next.clients()).as("none twice").hasValue(List.of());
    }

    @Test
    void aWeightStepKeepsTheClientsThatErredAndANewCanaryStartsAfresh() throws Exception {
        RouteState s = startRoute(5000, spec -> spec);
        List<String> ids = clients("user", 16);
        Map<String, String> at50 = versions(ids, ClientFirstErrorsTest::asClient);
        fail(ids, 1, ClientFirstErrorsTest::asClient);
        RouteStats before = stats();
        assertThat(first(before, Track.CANARY)).isEqualTo(count(at50, "v2"));
        assertThat(first(before, Track.STABLE)).isEqualTo(count(at50, "v1"));

        s = router.admin().setWeight("web", 7500, OptionalLong.of(s.generation()));
        Map<String, String> at75 = versions(ids, ClientFirstErrorsTest::asClient);
        assertThat(count(at75, "v2")).as("some stable clients moved to the canary").isGreaterThan(count(at50, "v2"));
        fail(ids, 2, ClientFirstErrorsTest::asClient);
        RouteStats stepped = stats();
        assertThat(stepped.clientShare()).isEqualTo(OptionalDouble.of(0.75));
        assertThat(first(stepped, Track.CANARY)).as("nobody counts twice across a weight step").isEqualTo(first(before, Track.CANARY));
        assertThat(first(stepped, Track.STABLE)).isEqualTo(first(before, Track.STABLE));

        // another version in the canary's place: a new canary, whose clients' first errors count from nothing
        SampleProcess v3 = sample("v3");
        router.admin().put(s.spec().withCanary(List.of(v3.address())), OptionalLong.of(s.generation()));
        Map<String, String> after = versions(ids, ClientFirstErrorsTest::asClient);
        assertThat(after.values()).containsOnly("v1", "v3");
        fail(ids, 2, ClientFirstErrorsTest::asClient);
        RouteStats fresh = stats();
        assertThat(first(fresh, Track.CANARY)).isEqualTo(first(before, Track.CANARY) + count(after, "v3"));
        assertThat(first(fresh, Track.STABLE)).isEqualTo(first(before, Track.STABLE) + count(after, "v1"));
    }

    @Test
    void aHeaderSplitCountsClientsByTheirHeaderAndRequestsWithoutItNowhere() throws Exception {
        // no shield: the canary's failures reach the user, counted where the response is
        startRoute(5000, spec -> spec.withSticky(Stickiness.header("X-User")).withShield(false));
        BiFunction<String, String, ClientRequest> asUser = (path, id) -> ClientRequest.get(path).withHeader("X-User", id);
        List<String> ids = clients("account", 12);
        Map<String, String> versions = versions(ids, asUser);
        long onCanary = count(versions, "v2");
        assertThat(onCanary).isBetween(1L, 11L);

        fail(ids, 3, asUser);
        for (int i = 0; i < 6; i++) { // split one by one: nobody can tell whose they are
            assertThat(Http.get(router.port(), "/status/500").status()).isEqualTo(500);
        }

        RouteStats stats = stats();
        assertThat(stats.clientShare()).isEqualTo(OptionalDouble.of(0.5));
        assertThat(stats.track(Track.CANARY).status5xx() + stats.track(Track.STABLE).status5xx()).isEqualTo(3 * 12 + 6);
        assertThat(first(stats, Track.CANARY)).isEqualTo(onCanary);
        assertThat(first(stats, Track.STABLE)).isEqualTo(12 - onCanary);
        assertThat(stats.track(Track.CANARY).shielded()).isZero();
    }

    @Test
    void aSplitThatIsNotStickyCountsNoClients() throws Exception {
        startRoute(5000, spec -> spec.withSticky(Stickiness.none()));
        for (int i = 0; i < 10; i++) {
            assertThat(Http.send(router.port(), asClient("/status/500", "client-" + i)).status()).isEqualTo(500);
        }
        RouteStats stats = stats();
        assertThat(stats.track(Track.STABLE).status5xx() + stats.track(Track.CANARY).status5xx()).isEqualTo(10);
        assertThat(stats.clientShare()).isEmpty();
        assertThat(stats.tracks().values()).allSatisfy(t -> assertThat(t.firstClientErrors()).isEmpty());
        TrafficWindow w = new RouterMetricSource(router.admin()).window(MetricTarget.of("web"), new MetricQuery(WINDOW, Set.of(99.0), Set.of()));
        assertThat(w.countsClients()).isFalse();
        assertThat(w.clientShare()).isEmpty();
        assertThat(stats.revealedClients()).as("no clients revealed").isEmpty();
        assertThat(w.revealsClients()).isFalse();
    }

    @Test
    void aFullLedgerLeavesTheFigureOutUntilTheNextCanary() throws Exception {
        RouteState s = startRoute(5000, spec -> spec);
        ClientErrorLedger ledger = router.router().routes().table().route("web").clientErrors();
        for (long i = 1; ledger.size() < ledger.cap(); i++) { // as if a million clients had erred
            ledger.firstError(i * 0x9E3779B97F4A7C15L);
        }
        assertThat(stats().track(Track.CANARY).firstClientErrors()).as("full, nobody turned away yet").isPresent();
        fail(clients("late", 3), 1, ClientFirstErrorsTest::asClient);

        RouteStats stats = stats();
        assertThat(stats.clientShare()).as("the share is still known").isPresent();
        assertThat(stats.tracks().values()).allSatisfy(t -> assertThat(t.firstClientErrors()).isEmpty());
        assertThat(new RouterMetricSource(router.admin()).window(MetricTarget.of("web"), new MetricQuery(WINDOW, Set.of(99.0), Set.of()))
                .countsClients()).as("a short count is no count").isFalse();
        assertThat(router.admin().metrics()).contains("glidepath_router_client_ledger_full{route=\"web\"} 1.0");

        SampleProcess v3 = sample("v3");
        router.admin().put(s.spec().withCanary(List.of(v3.address())), OptionalLong.of(s.generation()));
        RouteStats fresh = stats();
        TrafficStats canary = fresh.track(Track.CANARY);
        assertThat(canary.firstClientErrors()).as("a new canary, a new ledger").isPresent();
        assertThat(router.router().routes().table().route("web").clientErrors().size()).isZero();
    }
}
