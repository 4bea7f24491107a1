package io.glidepath.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.analysis.sequential.RateTest;
import io.glidepath.analysis.sequential.RatioTest;
import io.glidepath.spec.Analysis;
import io.glidepath.spec.ReleaseReader;
import java.time.Duration;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The sequential judge on seeded per-second traffic: it leaves a canary as good as stable alone
 * however often it looks, catches one that is worse as the evidence comes, goes on from its journaled
 * state, and says when too little traffic came to judge. (The decision-quality benchmark measures the
 * rates over thousands of runs; these are its properties on a few.)
 */
public class SequentialJudgeTest {
    static final Duration SECOND = Duration.ofSeconds(1);

    static Analysis analysis(String extra) throws Exception {
        return ReleaseReader.read("r.yaml", """
                services:
                  - name: web
                    version: "2"
                    run: {command: [web]}
                    route: {pathPrefix: /}
                    analysis: {judge: sequential%s, rules: [{errorRate: {max: 5%%}}]}
                """.formatted(extra)).services().get(0).analysis();
    }

    /** One second of traffic: Poisson requests split between the tracks, each an error with its track's rate. */
    static TrafficWindow second(SplittableRandom rnd, double rps, double canaryShare, double stableErrors, double canaryErrors) {
        long nc = poisson(rnd, rps * canaryShare);
        long ns = poisson(rnd, rps * (1 - canaryShare));
        return new TrafficWindow(SECOND, figures(rnd, ns, stableErrors), figures(rnd, nc, canaryErrors));
    }

    static TrackFigures figures(SplittableRandom rnd, long n, double errorRate) {
        long e = 0;
        for (long i = 0; i < n; i++) {
            e += rnd.nextDouble() < errorRate ? 1 : 0;
        }
        return new TrackFigures(n, e, Map.of(50.0, 40.0, 99.0, 120.0));
    }

    /** A Poisson draw by inversion (the sequential tests' own tests use it too). */
    public static long poisson(SplittableRandom rnd, double mean) {
        long k = 0;
        double p = Math.exp(-mean);
        double s = p;
        double u = rnd.nextDouble();
        while (u > s && k < 100_000) {
            k++;
            p *= mean / k;
            s += p;
        }
        return k;
    }

    /** Seconds until the judge's first failing verdict, or -1 when it never failed within {@code seconds}. */
    static int firstFailure(Judge judge, SplittableRandom rnd, int seconds, double rps, double share, double stableErrors, double canaryErrors) {
        for (int t = 1; t <= seconds; t++) {
            judge.query(SECOND);
            if (judge.canary(second(rnd, rps, share, stableErrors, canaryErrors)).failed()) {
                return t;
            }
        }
        return -1;
    }

    @Test
    void aCanaryAsGoodAsStableIsNotRolledBackThoughItIsJudgedEverySecond() throws Exception {
        // the outside finding: both at 0.5% errors, 480 req/s, the canary at 20%, a 30 s bake; thresholds rolled it back 5 times of 5
        Analysis sequential = analysis("");
        Analysis thresholds = new Analysis(SECOND, 50, 2, Duration.ofSeconds(30), sequential.rules());
        int sequentialRollbacks = 0;
        int thresholdRollbacks = 0;
        for (int run = 0; run < 200; run++) {
            sequentialRollbacks += firstFailure(new SequentialJudge(sequential), new SplittableRandom(run), 30, 480, 0.2, 0.005, 0.005) > 0 ? 1 : 0;
            int inARow = 0;
            SplittableRandom rnd = new SplittableRandom(run);
            ThresholdJudge t = new ThresholdJudge(new Analysis(SECOND, 50, 2, Duration.ofSeconds(30),
                    java.util.List.of(new Analysis.Rule.ErrorRate(java.util.Optional.of(0.01), java.util.Optional.empty()))));
            for (int s = 0; s < 30 && inARow < t.failAfter(); s++) {
                inARow = t.canary(second(rnd, 480, 0.2, 0.005, 0.005)).failed() ? inARow + 1 : 0;
            }
            thresholdRollbacks += inARow >= t.failAfter() ? 1 : 0;
        }
        assertThat(sequentialRollbacks).as("healthy canaries rolled back by the sequential judge, of 200").isLessThanOrEqualTo(2);
        assertThat(thresholdRollbacks).as("healthy canaries rolled back by 1%% thresholds, of 200").isGreaterThan(100);
        assertThat(thresholds.judging().kind()).isEqualTo(Analysis.Judging.Kind.THRESHOLDS);
    }

    @Test
    void aCanaryWithTwiceStablesErrorsIsRolledBackAsTheEvidenceComes() throws Exception {
        Analysis a = analysis("");
        int caught = 0;
        for (int run = 0; run < 100; run++) {
            int t = firstFailure(new SequentialJudge(a), new SplittableRandom(1000 + run), 120, 500, 0.5, 0.01, 0.02);
            caught += t > 0 ? 1 : 0;
        }
        // 500 req/s at 50/50 and 1% errors: 5 stable and 10 canary errors a second; a 2x ratio needs about 110 error events
        assertThat(caught).as("caught within 2 minutes, of 100").isGreaterThanOrEqualTo(99);
    }

    @Test
    void itsVerdictSaysTheRatioItsIntervalAndTheEvidenceAgainstWhatIsNeeded() throws Exception {
        SequentialJudge judge = new SequentialJudge(analysis(", alpha: 1%"));
        SplittableRandom rnd = new SplittableRandom(7);
        Verdict v = null;
        for (int t = 0; t < 20 && (v == null || !v.failed()); t++) {
            judge.query(SECOND);
            v = judge.canary(second(rnd, 500, 0.5, 0.01, 0.04));
        }
        assertThat(v.failed()).isTrue();
        assertThat(v.summary()).startsWith("fail: errors vs stable: ").contains("x (99%: ").contains(" of 100 needed to roll back");
        Verdict.MetricEvidence errors = v.evidence().orElseThrow().metrics().get(0);
        assertThat(errors.metric()).isEqualTo("errors vs stable");
        assertThat(errors.low()).isLessThanOrEqualTo(errors.ratio());
        assertThat(errors.high()).isGreaterThanOrEqualTo(errors.ratio());
        assertThat(errors.low()).as("the canary is worse: its interval is above 1").isGreaterThan(1);
        assertThat(v.evidence().orElseThrow().needed()).isEqualTo(100);
    }

    @Test
    void errorsThatComeInBurstsOnEitherTrackDivideTheEvidenceAndTheVerdictSaysBy() throws Exception {
        // identical versions at 0.2% errors, each track failing a burst of 20 requests in one second of 60
        SequentialJudge judge = new SequentialJudge(analysis(""));
        SplittableRandom rnd = new SplittableRandom(12);
        Verdict v = null;
        for (int t = 0; t < 600; t++) {
            judge.query(SECOND);
            TrafficWindow w = second(rnd, 500, 0.5, 0.002, 0.002);
            long canaryBurst = rnd.nextDouble() < 1.0 / 60 ? 20 : 0;
            long stableBurst = rnd.nextDouble() < 1.0 / 60 ? 20 : 0;
            v = judge.canary(new TrafficWindow(SECOND, new TrackFigures(w.stable().requests(), w.stable().errors() + stableBurst, w.stable().latencyMillis()),
                    new TrackFigures(w.canary().requests(), w.canary().errors() + canaryBurst, w.canary().latencyMillis())));
        }
        Verdict.MetricEvidence errors = v.evidence().orElseThrow().metrics().get(0);
        assertThat(errors.dispersion()).as("bursts of 20 among single errors: the canary's count scatters several times the model's").isGreaterThan(3);
        assertThat(v.summary()).contains("errors vs stable: ").contains(", bursty: evidence divided by ");
        Verdict.MetricEvidence slow = v.evidence().orElseThrow().metrics().get(1);
        assertThat(slow.bursts()).as("no slow request in these windows: nothing divided").isEmpty();
    }

    /**
     * A second of a sticky split, 10% of clients on the canary: light clients (1% errors) on both tracks,
     * plus on the canary one heavy client (100 req/s) whose account fails 5% of its requests on any
     * version; {@code newErringClients} clients a second have their first error, each on the canary with
     * its client share times {@code canaryClientRatio}. With {@code countsClients} false the source gives
     * requests only, as a source that cannot count clients does.
     */
    static TrafficWindow stickySecond(SplittableRandom rnd, double newErringClients, double canaryClientRatio, boolean countsClients) {
        TrackFigures stableRequests = figures(rnd, poisson(rnd, 450), 0.01);
        TrackFigures light = figures(rnd, poisson(rnd, 50), 0.01);
        TrackFigures heavy = figures(rnd, poisson(rnd, 100), 0.05);
        double canaryChance = 0.1 * canaryClientRatio / (1 + 0.1 * (canaryClientRatio - 1));
        long canaryFirst = 0;
        long stableFirst = 0;
        for (long k = poisson(rnd, newErringClients); k > 0; k--) {
            if (rnd.nextDouble() < canaryChance) {
                canaryFirst++;
            } else {
                stableFirst++;
            }
        }
        if (!countsClients) {
            return new TrafficWindow(SECOND, stableRequests, new TrackFigures(light.requests() + heavy.requests(), light.errors() + heavy.errors(),
                    light.latencyMillis()));
        }
        TrackFigures stable = new TrackFigures(stableRequests.requests(), stableRequests.errors(), stableRequests.latencyMillis(), Map.of(), Map.of(),
                java.util.OptionalLong.of(stableFirst));
        TrackFigures canary = new TrackFigures(light.requests() + heavy.requests(), light.errors() + heavy.errors(), light.latencyMillis(), Map.of(),
                Map.of(), java.util.OptionalLong.of(canaryFirst));
        return new TrafficWindow(SECOND, stable, canary, java.util.OptionalDouble.of(0.1));
    }

    @Test
    void onAStickySplitItCountsClientsSoAHeavyClientOnTheCanaryIsOneClientNotARegression() throws Exception {
        Analysis a = analysis("");
        SequentialJudge byClients = new SequentialJudge(a);
        SequentialJudge byRequests = new SequentialJudge(a);
        SplittableRandom clients = new SplittableRandom(21);
        SplittableRandom requests = new SplittableRandom(21);
        int clientFailure = -1;
        int requestFailure = -1;
        Verdict last = null;
        for (int t = 1; t <= 600 && clientFailure < 0; t++) {
            byClients.query(SECOND);
            last = byClients.canary(stickySecond(clients, 3, 1, true));
            clientFailure = last.failed() ? t : -1;
            if (requestFailure < 0) {
                byRequests.query(SECOND);
                requestFailure = byRequests.canary(stickySecond(requests, 3, 1, false)).failed() ? t : -1;
            }
        }
        // the heavy client makes the canary's request error rate about 3.7x stable's though both versions are the same
        assertThat(requestFailure).as("counting requests, the heavy client's errors look like a regression").isPositive();
        assertThat(clientFailure).as("counting clients, it is one client: no rollback in 10 minutes").isEqualTo(-1);
        assertThat(last.evidence().orElseThrow().metrics().get(0).metric()).isEqualTo("clients with errors vs stable");

        JsonNode state = byClients.state().orElseThrow();
        assertThat(state.path("countedClients").asBoolean()).isTrue();
        SequentialJudge restored = SequentialJudge.restore(a, io.glidepath.journal.EventJson.MAPPER.readTree(state.toString()));
        restored.query(SECOND);
        assertThat(restored.canary(stickySecond(clients, 3, 1, true)).evidence().orElseThrow().metrics().get(0).metric())
                .isEqualTo("clients with errors vs stable");
    }

    /**
     * A second of a sticky split whose source reveals clients: {@code revealed} clients a second, each on
     * the canary with chance 0.3, with 200 requests and an error propensity of its own (lognormal, the
     * population's mean 1%); the canary's clients err {@code canaryRatio} times as often as they would on
     * stable. The heaviest, flakiest clients are no more likely on either track.
     */
    static TrafficWindow revealingSecond(SplittableRandom rnd, int revealed, double canaryRatio) {
        java.util.List<ClientOutcome> clients = new java.util.ArrayList<>();
        for (int i = 0; i < revealed; i++) {
            boolean canary = rnd.nextDouble() < 0.3;
            double propensity = 0.01 * Math.exp(0.5 * gaussian(rnd) - 0.125);
            long n = 200;
            long e = binomial(rnd, n, Math.min(1, propensity * (canary ? canaryRatio : 1)));
            clients.add(new ClientOutcome(i % 2, canary, 0.3, n, e));
        }
        TrackFigures stable = figures(rnd, poisson(rnd, 350), 0.01);
        TrackFigures canary = figures(rnd, poisson(rnd, 150), 0.01 * canaryRatio);
        return new TrafficWindow(SECOND, stable, canary, java.util.OptionalDouble.of(0.3), java.util.Optional.of(clients));
    }

    static double gaussian(SplittableRandom rnd) {
        return Math.sqrt(-2 * Math.log(1 - rnd.nextDouble())) * Math.cos(2 * Math.PI * rnd.nextDouble());
    }

    static long binomial(SplittableRandom rnd, long n, double p) {
        long e = 0;
        for (long i = 0; i < n; i++) {
            e += rnd.nextDouble() < p ? 1 : 0;
        }
        return e;
    }

    @Test
    void onAStickySplitWhoseSourceRevealsClientsItBetsOnEachClientsTrackGivenItsErrors() throws Exception {
        Analysis a = analysis("");
        int falseRollbacks = 0;
        int caught = 0;
        for (int run = 0; run < 40; run++) {
            SequentialJudge healthy = new SequentialJudge(a);
            SequentialJudge worse = new SequentialJudge(a);
            SplittableRandom h = new SplittableRandom(500 + run);
            SplittableRandom w = new SplittableRandom(900 + run);
            boolean healthyFailed = false;
            boolean worseFailed = false;
            for (int t = 1; t <= 120; t++) {
                healthy.query(SECOND);
                worse.query(SECOND);
                healthyFailed |= healthy.canary(revealingSecond(h, 4, 1)).failed();
                worseFailed |= worse.canary(revealingSecond(w, 4, 2)).failed();
            }
            falseRollbacks += healthyFailed ? 1 : 0;
            caught += worseFailed ? 1 : 0;
        }
        // 480 clients in two minutes, 30% on the canary: the doubled rate shows in each canary client's own count
        assertThat(falseRollbacks).as("healthy canaries rolled back, of 40").isZero();
        assertThat(caught).as("canaries with doubled errors rolled back within two minutes, of 40").isGreaterThanOrEqualTo(38);

        SequentialJudge judge = new SequentialJudge(a);
        SplittableRandom rnd = new SplittableRandom(3);
        Verdict v = null;
        for (int t = 0; t < 120 && (v == null || !v.failed()); t++) {
            judge.query(SECOND);
            v = judge.canary(revealingSecond(rnd, 4, 3));
        }
        assertThat(v.failed()).isTrue();
        Verdict.MetricEvidence clients = v.evidence().orElseThrow().metrics().get(0);
        assertThat(clients.metric()).isEqualTo("clients' errors vs stable's clients");
        assertThat(clients.ratio()).as("the canary's clients' error rate over stable's clients'").isBetween(2.0, 4.5);
        assertThat(v.summary()).contains("clients' errors vs stable's clients: ").contains("x observed");

        // a restarted server goes on with the clients' evidence it had
        JsonNode state = judge.state().orElseThrow();
        assertThat(state.path("revealedClients").asBoolean()).isTrue();
        SequentialJudge restored = SequentialJudge.restore(a, io.glidepath.journal.EventJson.MAPPER.readTree(state.toString()));
        assertThat(restored.state()).isEqualTo(judge.state());
        TrafficWindow next = revealingSecond(rnd, 4, 3);
        judge.query(SECOND);
        restored.query(SECOND);
        assertThat(restored.canary(next).evidence().orElseThrow().eValue()).isEqualTo(judge.canary(next).evidence().orElseThrow().eValue());
    }

    @Test
    void onAStickySplitACanaryThatFailsTwiceAsManyClientsIsRolledBack() throws Exception {
        Analysis a = analysis("");
        int caught = 0;
        for (int run = 0; run < 20; run++) {
            SequentialJudge judge = new SequentialJudge(a);
            SplittableRandom rnd = new SplittableRandom(300 + run);
            for (int t = 1; t <= 600; t++) {
                judge.query(SECOND);
                if (judge.canary(stickySecond(rnd, 3, 2, true)).failed()) {
                    caught++;
                    break;
                }
            }
        }
        // 3 clients a second with a first error: about 0.55 a second on the canary against 0.3 expected
        assertThat(caught).as("caught within 10 minutes, of 20").isGreaterThanOrEqualTo(19);
    }

    @Test
    void onAStickySplitACanaryThatFailsAHundredClientsInOneSecondIsDecidedInThatSecond() throws Exception {
        // half the clients on the canary; in one second 100 of its clients meet their first error, 2 of stable's
        // (2% of the canary's requests: under the 5% guard). Requests would be capped at 10x an interval; clients are independent
        TrafficWindow w = new TrafficWindow(SECOND, new TrackFigures(5000, 2, Map.of(99.0, 50.0), Map.of(), Map.of(), java.util.OptionalLong.of(2)),
                new TrackFigures(5000, 100, Map.of(99.0, 50.0), Map.of(), Map.of(), java.util.OptionalLong.of(100)), java.util.OptionalDouble.of(0.5));
        SequentialJudge judge = new SequentialJudge(analysis(""));
        judge.query(SECOND);
        Verdict v = judge.canary(w);
        assertThat(v.failed()).as(v.summary()).isTrue();
        assertThat(v.failures().get(0)).startsWith("clients with errors vs stable");

        SequentialJudge byRequests = new SequentialJudge(analysis(""));
        byRequests.query(SECOND);
        assertThat(byRequests.canary(new TrafficWindow(SECOND, w.stable(), w.canary())).failed()).as("the same counts as requests: capped").isFalse();
    }

    @Test
    void theServicesOwnFiguresAreCheckedEachIntervalAndFailAfterBreachesInARowRollBack() throws Exception {
        Analysis a = ReleaseReader.read("r.yaml", """
                services:
                  - name: shop
                    version: "2"
                    run: {command: [shop]}
                    route: {pathPrefix: /}
                    analysis:
                      judge: sequential
                      interval: 5s
                      failAfter: 3
                      metrics:
                        prometheus:
                          url: http://127.0.0.1:9090
                          requests: 'sum(increase(r{track="{{track}}"}[{{window}}]))'
                          errors: 'sum(increase(e{track="{{track}}"}[{{window}}]))'
                      rules:
                        - metric: {name: checkouts-per-request, min: 0.02, query: 'sum(c{version="{{version}}"})'}
                """).services().get(0).analysis();
        SequentialJudge judge = new SequentialJudge(a);
        assertThat(judge.query(SECOND).metrics()).containsExactly("checkouts-per-request");
        Verdict v = null;
        double[] checkouts = {0.03, 0.01, 0.01, 0.03, 0.01, 0.01};
        for (double c : checkouts) {
            v = judge.canary(new TrafficWindow(SECOND, figures(500, 0), own(500, c)));
            assertThat(v.outcome()).as("a breach at %s, not three in a row", c).isEqualTo(Verdict.Outcome.PASS);
        }
        // a restarted server keeps the run of breaches: the next one is the third in a row
        SequentialJudge restored = SequentialJudge.restore(a, io.glidepath.journal.EventJson.MAPPER.readTree(judge.state().orElseThrow().toString()));
        v = restored.canary(new TrafficWindow(SECOND, figures(500, 0), own(500, 0.005)));
        assertThat(v.failed()).isTrue();
        assertThat(v.failures()).containsExactly("canary checkouts-per-request 0.005 is below the 0.02 required (3 intervals in a row)");

        Verdict none = new SequentialJudge(a).canary(new TrafficWindow(SECOND, figures(500, 0), figures(500, 0)));
        assertThat(none.outcome()).isEqualTo(Verdict.Outcome.INCONCLUSIVE);
        assertThat(none.summary()).startsWith("inconclusive: no figure for checkouts-per-request");

        SequentialJudge after = new SequentialJudge(a);
        for (int t = 0; t < 2; t++) {
            assertThat(after.promoted(new TrafficWindow(SECOND, own(500, 0.001), TrackFigures.none())).failed()).isFalse();
        }
        assertThat(after.promoted(new TrafficWindow(SECOND, own(500, 0.001), TrackFigures.none())).failures())
                .containsExactly("new version checkouts-per-request 0.001 is below the 0.02 required (3 intervals in a row)");
    }

    static TrackFigures figures(long requests, long errors) {
        return new TrackFigures(requests, errors, Map.of(50.0, 40.0, 99.0, 120.0));
    }

    static TrackFigures own(long requests, double checkoutsPerRequest) {
        return new TrackFigures(requests, 0, Map.of(50.0, 40.0, 99.0, 120.0), Map.of(), Map.of("checkouts-per-request", checkoutsPerRequest));
    }

    @Test
    void aRestartedServerGoesOnWithTheEvidenceItHadNotAFreshAlpha() throws Exception {
        Analysis a = analysis("");
        SequentialJudge before = new SequentialJudge(a);
        SplittableRandom rnd = new SplittableRandom(11);
        for (int t = 0; t < 5; t++) {
            before.query(SECOND);
            before.canary(second(rnd, 500, 0.5, 0.01, 0.02));
        }
        JsonNode state = before.state().orElseThrow();
        assertThat(state.path("errors").path("dispersion").path("variance").asDouble()).as("the errors' scatter so far is journaled").isPositive();
        SequentialJudge after = SequentialJudge.restore(a, io.glidepath.journal.EventJson.MAPPER.readTree(state.toString()));
        TrafficWindow next = second(rnd, 500, 0.5, 0.01, 0.02);
        before.query(SECOND);
        after.query(SECOND);
        assertThat(after.canary(next).evidence().orElseThrow().eValue()).isEqualTo(before.canary(next).evidence().orElseThrow().eValue());
        assertThat(after.state()).isEqualTo(before.state());
    }

    @Test
    void slowRequestsAreCountedAboveStablesOwnTrailingP99OnceItIsKnownAndTheCanaryIsWarm() throws Exception {
        SequentialJudge judge = new SequentialJudge(analysis(", warmup: 3s"));
        assertThat(judge.query(SECOND).slowerThan()).as("no threshold before a window gave one").isEmpty();
        judge.canary(new TrafficWindow(SECOND, new TrackFigures(400, 0, Map.of(99.0, 120.0)), new TrackFigures(100, 0, Map.of(99.0, 125.0))));
        assertThat(judge.query(SECOND).slowerThan()).as("stable's p99, snapped up to the ladder").containsExactly(Duration.ofMillis(125));
        // the canary's requests are slower: 20 of 100 above stable's p99, stable's 4 of 400; its first seconds are its warm-up
        Verdict v = null;
        int judged = 0;
        for (int t = 0; t < 30 && (v == null || !v.failed()); t++) {
            Duration tau = judge.query(SECOND).slowerThan().iterator().next();
            v = judge.canary(new TrafficWindow(SECOND, new TrackFigures(400, 0, Map.of(99.0, 120.0), Map.of(tau, 4L)),
                    new TrackFigures(100, 0, Map.of(99.0, 300.0), Map.of(tau, 20L))));
            judged++;
            if (judged < 2) {
                // still one of the metrics averaged, so that the average is a fixed-weight mixture, but with no evidence yet
                assertThat(v.evidence().orElseThrow().metrics()).as("no latency comparison during the warm-up")
                        .filteredOn(m -> m.metric().startsWith("requests slower")).singleElement()
                        .satisfies(m -> assertThat(m.eValue()).isEqualTo(1.0));
            }
        }
        assertThat(v.failed()).isTrue();
        assertThat(v.failures()).anySatisfy(f -> assertThat(f).startsWith("requests slower than stable's p99 vs stable"));
    }

    @Test
    void tooLittleTrafficToJudgeIsInconclusiveAndTheReleaseFileSaysWhatItDoes() throws Exception {
        SequentialJudge judge = new SequentialJudge(analysis(", minRequests: 50, inconclusive: rollback"));
        for (int t = 0; t < 30; t++) {
            judge.query(SECOND);
            judge.canary(new TrafficWindow(SECOND, new TrackFigures(4, 0, Map.of()), new TrackFigures(t % 2, 0, Map.of())));
        }
        assertThat(judge.conclude().outcome()).isEqualTo(Verdict.Outcome.INCONCLUSIVE);
        assertThat(judge.conclude().summary()).contains("the canary served 15 requests over its steps, fewer than the 50 needed");
        assertThat(analysis(", inconclusive: rollback").judging().inconclusive()).isEqualTo(Analysis.Judging.Inconclusive.ROLLBACK);
    }

    @Test
    void theTestsStayBelowOneOverAlphaUnderTheNullWithProbabilityAtLeastOneMinusAlpha() {
        // Ville's inequality, seen: at the tolerance itself (the worst case of the null), 2,000 runs of 600 intervals
        int ratioRejections = 0;
        int rateRejections = 0;
        SplittableRandom rnd = new SplittableRandom(42);
        for (int run = 0; run < 2_000; run++) {
            RatioTest ratio = new RatioTest(1.1);
            RateTest rate = new RateTest(0.01);
            boolean ratioRejected = false;
            boolean rateRejected = false;
            for (int t = 0; t < 600; t++) {
                long nc = poisson(rnd, 25);
                long ns = poisson(rnd, 25);
                long ec = poisson(rnd, nc * 0.011); // the canary at 1.1x stable's 1%
                long es = poisson(rnd, ns * 0.01);
                ratio.update(ec, nc, es, ns);
                rate.update(poisson(rnd, nc * 0.01), nc); // exactly at the 1% limit
                ratioRejected |= ratio.eValue() >= 100;
                rateRejected |= rate.eValue() >= 100;
            }
            ratioRejections += ratioRejected ? 1 : 0;
            rateRejections += rateRejected ? 1 : 0;
        }
        assertThat(ratioRejections).as("ratio test rejections at the tolerance, of 2,000 (alpha 1%)").isLessThanOrEqualTo(20);
        assertThat(rateRejections).as("rate test rejections at the limit, of 2,000 (alpha 1%)").isLessThanOrEqualTo(20);
    }

    @Test
    void theLadderSnapsAThresholdUpToItsNextStepWhichTheRoutersPrometheusBucketsShare() {
        assertThat(LatencyLadder.atOrAbove(120)).isEqualTo(Duration.ofMillis(125));
        assertThat(LatencyLadder.atOrAbove(125)).isEqualTo(Duration.ofMillis(125));
        assertThat(LatencyLadder.atOrAbove(0.2)).isEqualTo(Duration.ofMillis(1));
        assertThat(LatencyLadder.atOrAbove(61_000)).isEqualTo(Duration.ofSeconds(10));
        assertThat(LatencyLadder.BOUNDS_SECONDS).hasSize(41).startsWith(0.001, 0.00125, 0.0015).endsWith(8, 10);
    }
}
