package io.glidepath.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.glidepath.analysis.sequential.ClientTest;
import io.glidepath.analysis.sequential.Dispersion;
import io.glidepath.analysis.sequential.RateTest;
import io.glidepath.analysis.sequential.RatioInterval;
import io.glidepath.analysis.sequential.RatioTest;
import io.glidepath.analysis.sequential.RestartingMixture;
import io.glidepath.spec.Analysis;
import io.glidepath.spec.Durations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The sequential judge: evidence against the canary accumulates over its whole analysis, from every
 * window, and it rolls back as soon as the evidence reaches {@code 1/alpha}; a healthy canary is
 * rolled back with probability at most alpha however often it is judged (every second) and however
 * long it runs. Nothing resets between weight steps, and its state is journaled, so a restarted
 * server goes on with the evidence it had (a restart spends no fresh alpha).
 *
 * <p>Its metrics, each an e-process, combined by averaging their e-values:
 * <ul>
 * <li>errors against stable: 5xx counts, a {@link RatioTest} with the release file's tolerance (its
 * evidence tempered by how much the errors cluster, {@link Dispersion}). On a
 * sticky split the requests of one client are not independent (a heavy client with a flaky account
 * errs on whichever track it keeps), so there clients are the units: where the source reveals clients
 * (the router does), a {@link ClientTest} bets on each revealed client's track given its errors; where
 * it only counts them, each client's first error is one event, and the canary's share is its share of
 * clients;</li>
 * <li>latency against stable, once the canary has taken traffic for the release file's
 * {@code warmup} (a new process is slow until it is warm): counts of requests slower than stable's own
 * trailing p99, a {@link RatioTest} too (the threshold is set from windows already seen, before the
 * window it judges, which keeps the test valid);</li>
 * <li>absolute guards from the rules: {@code errorRate.max} on the canary's 5xx share,
 * {@code latency {percentile, max}} on its share of requests slower than max ({@link RateTest}).</li>
 * </ul>
 * The service's own figures ({@code metric} rules, from Prometheus: checkouts per request and the like)
 * have no counts to build a likelihood from; each is checked against its {@code min}/{@code max} every
 * interval, and {@code failAfter} breaches in a row roll back, as the thresholds judge does. An
 * interval without such a figure gets no verdict (a rule nobody could check is no pass).
 * After promotion the absolute guards and the metric rules go on, on the new version alone.
 */
public final class SequentialJudge implements Judge {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Stable's percentile a slow request is measured against. */
    static final double SLOW_PERCENTILE = 99;
    /**
     * How many stable requests the slow threshold's average pools, about: a window of n stable
     * requests moves it by n / (n + this), so a busy second counts for much and a quiet one a little.
     */
    private static final double THRESHOLD_POOL = 200;

    /** An absolute guard: the canary's share of errors, or of requests slower than {@code slowerThan}, at most the test's limit. */
    private record Guard(String name, Optional<Duration> slowerThan, RateTest test) {
        /** Takes a window of the track it guards; a source that did not count the slow requests asked for tells it nothing. */
        void update(TrackFigures f) {
            if (slowerThan.isEmpty()) {
                test.update(f.errors(), f.requests());
            } else if (f.slowerThan().containsKey(slowerThan.get())) {
                test.update(f.slowerThan().get(slowerThan.get()), f.requests());
            }
        }
    }

    private final Analysis analysis;
    private final double needed;
    private final RatioTest errors;
    /** One per level of {@link ClientOutcome#REVEALS}, their evidence averaged. */
    private final List<ClientTest> clients;
    private final RatioTest slow;
    private final List<Guard> guards;
    private final RatioInterval errorRatio;
    private final RatioInterval slowRatio;
    private final List<Analysis.Rule.Metric> metricRules;
    /** Each metric rule's breaches in a row, in the order of {@link #metricRules}. */
    private final int[] breaches;
    /** Stable's trailing p99, in milliseconds; 0 until a window gave one. */
    private double thresholdMillis;
    private long canaryRequests;
    /** How long the canary has taken traffic (windows in which it had requests): latency is compared after the warm-up. */
    private Duration canaryTraffic;
    /** Whether the errors test has counted clients' first errors (a sticky split) rather than requests. */
    private boolean countedClients;
    /** Whether the source has revealed clients (a sticky split on the router): errors are then judged by {@link #clients}. */
    private boolean revealedClients;

    public SequentialJudge(Analysis analysis) {
        this(analysis, new RatioTest(analysis.judging().tolerance()), freshClientTests(analysis.judging().tolerance()),
                new RatioTest(analysis.judging().tolerance()), guards(analysis, null), 0, 0, Duration.ZERO, false, false, null);
    }

    private static List<ClientTest> freshClientTests(double tolerance) {
        return ClientOutcome.REVEALS.stream().map(r -> new ClientTest(tolerance)).toList();
    }

    private SequentialJudge(Analysis analysis, RatioTest errors, List<ClientTest> clients, RatioTest slow, List<Guard> guards, double thresholdMillis,
                            long canaryRequests, Duration canaryTraffic, boolean countedClients, boolean revealedClients, JsonNode savedBreaches) {
        this.analysis = analysis;
        this.needed = 1 / analysis.judging().alpha();
        this.errors = errors;
        this.clients = clients;
        this.revealedClients = revealedClients;
        this.slow = slow;
        this.guards = guards;
        this.errorRatio = new RatioInterval(analysis.judging().alpha());
        this.slowRatio = new RatioInterval(analysis.judging().alpha());
        this.thresholdMillis = thresholdMillis;
        this.canaryRequests = canaryRequests;
        this.canaryTraffic = canaryTraffic;
        this.countedClients = countedClients;
        this.metricRules = analysis.rules().stream().filter(r -> r instanceof Analysis.Rule.Metric).map(r -> (Analysis.Rule.Metric) r).toList();
        this.breaches = new int[metricRules.size()];
        for (int i = 0; savedBreaches != null && i < breaches.length; i++) {
            breaches[i] = savedBreaches.path(i).asInt(0);
        }
    }

    /**
     * A judge going on from a state {@link #state()} journaled. The evidence so far is kept; the
     * ratios' intervals, which are for people to read, start again.
     */
    public static SequentialJudge restore(Analysis analysis, JsonNode state) {
        double tolerance = analysis.judging().tolerance();
        JsonNode saved = state.path("clients");
        List<ClientTest> clients = new ArrayList<>(freshClientTests(tolerance));
        for (int i = 0; i < saved.size() && i < clients.size(); i++) {
            JsonNode c = saved.get(i);
            clients.set(i, ClientTest.restore(tolerance, ratioState(c), new ClientTest.Figures(c.path("stableErrors").asDouble(),
                    c.path("stableRequests").asDouble(), c.path("spreadSum").asDouble(), c.path("spreadClients").asDouble(),
                    c.path("canaryClientErrors").asLong(), c.path("canaryClientRequests").asLong(), c.path("stableClientErrors").asLong(),
                    c.path("stableClientRequests").asLong())));
        }
        return new SequentialJudge(analysis, RatioTest.restore(tolerance, ratioState(state.path("errors")), dispersionState(state.path("errors"))), clients,
                RatioTest.restore(tolerance, ratioState(state.path("slow")), dispersionState(state.path("slow"))), guards(analysis, state.path("guards")),
                state.path("thresholdMillis").asDouble(0), state.path("canaryRequests").asLong(0),
                Duration.ofMillis(state.path("canaryTrafficMillis").asLong(0)), state.path("countedClients").asBoolean(false),
                state.path("revealedClients").asBoolean(false), state.path("metricBreaches"));
    }

    private static List<Guard> guards(Analysis analysis, JsonNode saved) {
        List<Guard> out = new ArrayList<>();
        for (Analysis.Rule r : analysis.rules()) {
            switch (r) {
                case Analysis.Rule.ErrorRate e when e.max().isPresent() ->
                        out.add(new Guard("errors at most " + percent(e.max().get()), Optional.empty(), rate(e.max().get(), saved, out.size())));
                case Analysis.Rule.Latency l -> {
                    double limit = 1 - l.percentile() / 100;
                    out.add(new Guard("p" + trim(l.percentile()) + " at most " + Durations.format(l.max()), Optional.of(l.max()),
                            rate(limit, saved, out.size())));
                }
                default -> {
                    // maxIncrease compares with stable: the ratio test does that, with the tolerance
                }
            }
        }
        return List.copyOf(out);
    }

    private static RateTest rate(double limit, JsonNode saved, int index) {
        return saved == null || saved.path(index).isMissingNode() ? new RateTest(limit) : RateTest.restore(limit, doubles(saved.path(index)));
    }

    @Override
    public MetricQuery query(Duration interval) {
        Set<Double> percentiles = new LinkedHashSet<>(List.of(50.0, SLOW_PERCENTILE));
        Set<Duration> slowerThan = new LinkedHashSet<>();
        threshold().ifPresent(slowerThan::add);
        guards.forEach(g -> g.slowerThan().ifPresent(slowerThan::add));
        Set<String> metrics = new LinkedHashSet<>();
        metricRules.forEach(m -> metrics.add(m.name()));
        return new MetricQuery(interval, percentiles, slowerThan, metrics);
    }

    /**
     * The slow threshold for the next window: stable's trailing p99, once a window gave one, snapped up
     * to the {@link LatencyLadder} (so Prometheus's histograms can answer it as well as the router).
     */
    private Optional<Duration> threshold() {
        return thresholdMillis > 0 ? Optional.of(LatencyLadder.atOrAbove(thresholdMillis)) : Optional.empty();
    }

    @Override
    public Verdict canary(TrafficWindow w) {
        TrackFigures c = w.canary();
        TrackFigures s = w.stable();
        canaryRequests += c.requests();
        if (c.requests() > 0) {
            canaryTraffic = canaryTraffic.plus(w.window());
        }
        if (w.revealsClients()) {
            // clients as units: each revealed client's track is bet on given its errors (ClientTest)
            for (int level = 0; level < clients.size(); level++) {
                int l = level;
                clients.get(l).update(w.clients().get().stream().filter(o -> o.level() == l).toList(), s.errors(), s.requests());
            }
            revealedClients = true;
        }
        if (w.countsClients()) {
            long canaryClients = c.firstClientErrors().getAsLong();
            long stableClients = s.firstClientErrors().getAsLong();
            // clients are independent (the split randomizes them): their events are not capped as clustered requests are
            errors.update(canaryClients, stableClients, w.clientShare().getAsDouble(), false);
            errorRatio.update(canaryClients, stableClients, w.clientShare().getAsDouble(), false);
            countedClients = true;
        } else {
            errors.update(c.errors(), c.requests(), s.errors(), s.requests());
            errorRatio.update(c.errors(), c.requests(), s.errors(), s.requests());
        }
        Optional<Duration> t = threshold();
        if (warm() && t.isPresent() && c.slowerThan().containsKey(t.get()) && s.slowerThan().containsKey(t.get())) {
            slow.update(c.slowerThan().get(t.get()), c.requests(), s.slowerThan().get(t.get()), s.requests());
            slowRatio.update(c.slowerThan().get(t.get()), c.requests(), s.slowerThan().get(t.get()), s.requests());
        }
        guards.forEach(g -> g.update(c));
        moveThreshold(s);
        return verdict(w, true, checkMetrics(c, "canary"));
    }

    @Override
    public Verdict promoted(TrafficWindow w) {
        TrackFigures alone = w.stable();
        guards.forEach(g -> g.update(alone));
        return verdict(w, false, checkMetrics(alone, "new version"));
    }

    /** The canary has taken traffic for the warm-up: a new process's first, cold requests are behind it. */
    private boolean warm() {
        return canaryTraffic.compareTo(analysis.judging().warmup()) >= 0;
    }

    /** After the window was judged: its stable p99 moves the threshold, by its share of the pooled requests (it never judges its own window). */
    private void moveThreshold(TrackFigures stable) {
        Double p99 = stable.latencyMillis().get(SLOW_PERCENTILE);
        if (p99 == null || stable.requests() == 0) {
            return;
        }
        double weight = stable.requests() / (stable.requests() + THRESHOLD_POOL);
        thresholdMillis = thresholdMillis == 0 ? p99 : (1 - weight) * thresholdMillis + weight * p99;
    }

    /** What the service's own figures said this interval: rules breached {@code failAfter} times in a row, and figures missing. */
    private record MetricCheck(List<String> failures, List<String> missing) {
    }

    private MetricCheck checkMetrics(TrackFigures subject, String who) {
        List<String> failures = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < metricRules.size(); i++) {
            Analysis.Rule.Metric m = metricRules.get(i);
            Double value = subject.metrics().get(m.name());
            if (value == null) {
                missing.add(m.name());
                continue; // no figure: neither a breach nor the end of a run of breaches
            }
            String breach = m.min().filter(min -> value < min).map(min -> " is below the " + ThresholdJudge.number(min) + " required")
                    .or(() -> m.max().filter(max -> value > max).map(max -> " is above the " + ThresholdJudge.number(max) + " allowed")).orElse(null);
            breaches[i] = breach == null ? 0 : breaches[i] + 1;
            if (breach != null && breaches[i] >= analysis.failAfter()) {
                failures.add(who + " " + m.name() + " " + ThresholdJudge.number(value) + breach + " (" + breaches[i] + " intervals in a row)");
            }
        }
        return new MetricCheck(failures, missing);
    }

    private Verdict verdict(TrafficWindow w, boolean againstStable, MetricCheck own) {
        List<Verdict.MetricEvidence> metrics = new ArrayList<>();
        if (againstStable) {
            if (revealedClients) {
                // a fixed-weight mixture: half on the clients' first errors (a client seen once, as most without a cookie
                // jar are, is judged by its error at once), half on the revealed clients' levels (a client seen often is
                // judged by its own rate); the ratio is the last level's that has one
                double revealed = clients.stream().mapToDouble(ClientTest::eValue).average().orElse(1);
                double e = countedClients ? 0.5 * errors.eValue() + 0.5 * revealed : revealed;
                double r = Double.NaN;
                for (ClientTest t : clients) {
                    r = Double.isNaN(t.observedRatio()) ? r : t.observedRatio();
                }
                metrics.add(new Verdict.MetricEvidence("clients' errors vs stable's clients", e, Double.isNaN(r) ? null : r, null, null));
            } else {
                metrics.add(ratioEvidence(countedClients ? "clients with errors vs stable" : "errors vs stable", errors, errorRatio));
            }
            // always one of the metrics averaged (its evidence is 1 until the warm-up is over): averaging over a set that
            // grew would not be a fixed-weight mixture, and would let the others roll back on less than 1/alpha
            metrics.add(ratioEvidence("requests slower than stable's p99 vs stable", slow, slowRatio));
        }
        guards.forEach(g -> metrics.add(new Verdict.MetricEvidence(g.name(), g.test().eValue(), null, null, null)));
        double e = metrics.stream().mapToDouble(Verdict.MetricEvidence::eValue).average().orElse(1);
        Verdict.Evidence evidence = new Verdict.Evidence(e, needed, metrics);
        String sentence = words(metrics, e);
        if (e >= needed) {
            List<String> failures = new ArrayList<>(metrics.stream().filter(m -> m.eValue() >= needed / 4).map(SequentialJudge::describe).toList());
            if (failures.isEmpty()) {
                failures.add(sentence);
            }
            failures.addAll(own.failures());
            return new Verdict(Verdict.Outcome.FAIL, "fail: " + sentence, failures, w, Optional.of(evidence));
        }
        if (!own.failures().isEmpty()) {
            return new Verdict(Verdict.Outcome.FAIL, "fail: " + String.join("; ", own.failures()) + "; " + sentence, own.failures(), w,
                    Optional.of(evidence));
        }
        if (!own.missing().isEmpty()) {
            return new Verdict(Verdict.Outcome.INCONCLUSIVE, "inconclusive: no figure for " + String.join(", ", own.missing()) + "; " + sentence,
                    List.of(), w, Optional.of(evidence));
        }
        Verdict.Outcome outcome = w.canary().requests() + w.stable().requests() == 0 ? Verdict.Outcome.INCONCLUSIVE : Verdict.Outcome.PASS;
        return new Verdict(outcome, (outcome == Verdict.Outcome.PASS ? "pass: " : "inconclusive: no traffic this window; ") + sentence, List.of(), w,
                Optional.of(evidence));
    }

    private static Verdict.MetricEvidence ratioEvidence(String name, RatioTest test, RatioInterval interval) {
        RatioInterval.Estimate est = interval.estimate();
        return est.known() ? new Verdict.MetricEvidence(name, test.eValue(), est.ratio(), est.low(), est.high(), test.dispersion())
                : new Verdict.MetricEvidence(name, test.eValue(), null, null, null, test.dispersion());
    }

    /** "errors vs stable: 2.1x (95%: 1.6-2.9x)"-style words for each metric, then the evidence against the amount needed. */
    private String words(List<Verdict.MetricEvidence> metrics, double e) {
        String level = trim(100 * (1 - analysis.judging().alpha()));
        List<String> parts = new ArrayList<>();
        for (Verdict.MetricEvidence m : metrics) {
            parts.add((m.ratio() == null ? m.metric() + ": evidence " + number(m.eValue())
                    : m.low() == null ? m.metric() + ": " + ratio(m.ratio()) + " observed, evidence " + number(m.eValue())
                    : m.metric() + ": " + ratio(m.ratio()) + " (" + level + "%: " + ratio(m.low()) + "-" + ratio(m.high()) + ")") + m.bursts());
        }
        return String.join("; ", parts) + "; evidence " + number(e) + " of " + number(needed) + " needed to roll back";
    }

    private static String describe(Verdict.MetricEvidence m) {
        return m.metric() + (m.ratio() == null ? "" : m.low() == null ? " " + ratio(m.ratio()) + " observed"
                : " " + ratio(m.ratio()) + " (" + ratio(m.low()) + "-" + ratio(m.high()) + ")")
                + ", evidence " + number(m.eValue()) + m.bursts();
    }

    @Override
    public int failAfter() {
        return 1; // its failing verdict is already the decision: the evidence reached 1/alpha
    }

    /**
     * At the end of the canary's steps: INCONCLUSIVE when the canary served fewer than
     * {@code minRequests} requests (too little traffic for any test to have seen a regression), else PASS
     * (the evidence never reached 1/alpha).
     */
    @Override
    public Verdict conclude() {
        TrafficWindow none = TrafficWindow.none();
        if (canaryRequests < analysis.minRequests()) {
            return new Verdict(Verdict.Outcome.INCONCLUSIVE, "inconclusive: the canary served " + canaryRequests + " requests over its steps, fewer "
                    + "than the " + analysis.minRequests() + " needed to judge it", List.of(), none);
        }
        return new Verdict(Verdict.Outcome.PASS, "pass: over " + canaryRequests + " canary requests the evidence against it stayed below "
                + number(needed), List.of(), none);
    }

    @Override
    public Optional<JsonNode> state() {
        ObjectNode n = JSON.createObjectNode();
        putRatio(n.putObject("errors"), errors);
        putRatio(n.putObject("slow"), slow);
        ArrayNode g = n.putArray("guards");
        guards.forEach(x -> put(g.addArray(), x.test().state()));
        n.put("thresholdMillis", thresholdMillis);
        n.put("canaryRequests", canaryRequests);
        n.put("canaryTrafficMillis", canaryTraffic.toMillis());
        n.put("countedClients", countedClients);
        n.put("revealedClients", revealedClients);
        ArrayNode levels = n.putArray("clients");
        for (ClientTest t : clients) {
            ObjectNode c = levels.addObject();
            putRatio(c, t.state());
            ClientTest.Figures f = t.figures();
            c.put("stableErrors", f.stableErrors());
            c.put("stableRequests", f.stableRequests());
            c.put("spreadSum", f.spreadSum());
            c.put("spreadClients", f.spreadClients());
            c.put("canaryClientErrors", f.canaryClientErrors());
            c.put("canaryClientRequests", f.canaryClientRequests());
            c.put("stableClientErrors", f.stableClientErrors());
            c.put("stableClientRequests", f.stableClientRequests());
        }
        put(n.putArray("metricBreaches"), breaches);
        return Optional.of(n);
    }

    private static void putRatio(ObjectNode n, RestartingMixture.State s) {
        n.put("intervals", s.intervals());
        ArrayNode copies = n.putArray("copies");
        for (RestartingMixture.Copy c : s.copies()) {
            ObjectNode o = copies.addObject();
            o.put("startedAt", c.startedAt());
            put(o.putArray("logL"), c.logL());
        }
    }

    private static void putRatio(ObjectNode n, RatioTest test) {
        putRatio(n, test.state());
        Dispersion.State d = test.dispersionState();
        ObjectNode o = n.putObject("dispersion");
        o.put("squares", d.squares());
        o.put("variance", d.variance());
        o.put("canaryWeighted", d.canaryWeighted());
        o.put("stableWeighted", d.stableWeighted());
    }

    /** A journal from before the dispersion was kept has none: the test goes on as if no scatter had been seen. */
    private static Dispersion.State dispersionState(JsonNode n) {
        JsonNode d = n.path("dispersion");
        return d.isMissingNode() ? Dispersion.State.FRESH : new Dispersion.State(d.path("squares").asDouble(), d.path("variance").asDouble(),
                d.path("canaryWeighted").asDouble(), d.path("stableWeighted").asDouble());
    }

    private static RestartingMixture.State ratioState(JsonNode n) {
        List<RestartingMixture.Copy> copies = new ArrayList<>();
        n.path("copies").forEach(c -> copies.add(new RestartingMixture.Copy(c.path("startedAt").asLong(), doubles(c.path("logL")))));
        return new RestartingMixture.State(n.path("intervals").asLong(), copies);
    }

    private static void put(ArrayNode a, int[] values) {
        for (int v : values) {
            a.add(v);
        }
    }

    private static void put(ArrayNode a, double[] values) {
        for (double v : values) {
            a.add(v);
        }
    }

    private static double[] doubles(JsonNode a) {
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asDouble();
        }
        return out;
    }

    private static String ratio(double r) {
        return String.format(Locale.ROOT, r < 10 ? "%.2fx" : "%.0fx", r);
    }

    private static String number(double v) {
        return v < 10 ? String.format(Locale.ROOT, "%.2f", v) : String.format(Locale.ROOT, "%.0f", v);
    }

    private static String percent(double fraction) {
        return ThresholdJudge.pct(fraction);
    }

    private static String trim(double d) {
        return ThresholdJudge.trim(d);
    }
}
