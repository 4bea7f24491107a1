package io.glidepath.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.glidepath.analysis.MetricSource;
import io.glidepath.analysis.TrackFigures;
import io.glidepath.analysis.TrafficWindow;
import io.glidepath.engine.Doubles.MemoryPlatform;
import io.glidepath.engine.Doubles.MemoryRouter;
import io.glidepath.engine.Doubles.ScriptedProber;
import io.glidepath.journal.Outcome;
import io.glidepath.journal.RollbackCause;
import io.glidepath.platform.Instance;
import io.glidepath.risk.Evaluation;
import io.glidepath.risk.Factor;
import io.glidepath.risk.RiskModel;
import io.glidepath.risk.ReleaseFacts;
import io.glidepath.route.EndpointAddress;
import io.glidepath.spec.ReleaseReader;
import io.glidepath.store.ReleaseRecord;
import io.glidepath.time.ManualClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The risk model on a history the engine really journals: the demo's services (the sample web service by
 * canary or blue-green, the shop's four services in their dependency waves) released again and again on
 * in-memory seams, each release broken or not by a seeded ground truth of its own (a hidden fragility per
 * service, configuration changes, the number of services, off-hours and weekends, noise), the breakage
 * played for real: canary errors its analysis catches, a smoke check that fails, instances that never get
 * ready. The facts are read back from the store as the server reads them, and the model is fitted on the
 * older releases and judged on the newer ones (docs/benchmarks.md has the figures).
 */
class DemoLikeHistoryTest {
    static final int RELEASES = 1200;
    static final String[] SHOP = {"inventory", "pricing", "catalog", "gateway"};

    final ManualClock clock = new ManualClock(Instant.parse("2026-01-05T08:30:00Z")).autoAdvance(true);
    final MemoryStore store = new MemoryStore();
    final MemoryPlatform platform = new MemoryPlatform(store);
    final MemoryRouter router = new MemoryRouter(clock);
    final ScriptedProber prober = new ScriptedProber();
    /** The version that breaks in the release running now ("service version"), and how. */
    volatile String broken = "";
    volatile RollbackCause how = RollbackCause.ANALYSIS;
    final MetricSource metrics = (target, query) -> new TrafficWindow(query.window(), figures(target.service(), target.stableVersion()),
            figures(target.service(), target.canaryVersion()));
    final Engine engine = new Engine(new EngineSeams(platform, router, metrics, prober, clock), store);

    TrackFigures figures(String service, Optional<String> version) {
        boolean bad = how == RollbackCause.ANALYSIS && version.map(v -> (service + " " + v).equals(broken)).orElse(false);
        return new TrackFigures(200, bad ? 40 : 0, Map.of(99.0, 15.0));
    }

    /** Whether an instance's address is the broken version's. */
    boolean brokenAt(EndpointAddress a) {
        return platform.registry.instances().stream().filter(i -> i.address().equals(a)).map(i -> i.service() + " " + i.version())
                .anyMatch(broken::equals);
    }

    @AfterEach
    void close() {
        engine.close();
    }

    @Test
    void theModelFitOnTheEnginesOwnJournalsRanksTheReleasesItNeverSaw() throws Exception {
        prober.ready = a -> !(how == RollbackCause.READINESS && brokenAt(a));
        prober.smoke = (a, check) -> !(how == RollbackCause.SMOKE_TEST && brokenAt(a));
        Random random = new Random(42);
        Map<String, Double> fragility = new LinkedHashMap<>();
        for (String s : List.of("web", "inventory", "pricing", "catalog", "gateway")) {
            fragility.put(s, random.nextGaussian() * 0.9);
        }
        // each service's environment as it runs (what its last promoted release set)
        Map<String, Map<String, String>> env = new TreeMap<>();
        fragility.keySet().forEach(s -> env.put(s, new TreeMap<>(Map.of("MODE", "a"))));
        Map<String, Double> truth = new LinkedHashMap<>();
        long started = System.nanoTime();
        for (int i = 0; i < RELEASES; i++) {
            clock.advance(gap(random));
            List<String> services = random.nextDouble() < 0.5 ? List.of("web") : shopSubset(random);
            int changes = 0;
            StringBuilder file = new StringBuilder("services:\n");
            Map<String, Map<String, String>> asked = new TreeMap<>();
            for (String s : services) {
                Map<String, String> e = new TreeMap<>(env.get(s));
                int c = random.nextDouble() < 0.6 ? 0 : 1 + random.nextInt(3);
                for (int k = 0; k < c; k++) {
                    e.put("FLAG_" + random.nextInt(5), String.valueOf(random.nextInt(100)));
                }
                changes += (int) e.entrySet().stream().filter(x -> !x.getValue().equals(env.get(s).get(x.getKey()))).count();
                asked.put(s, e);
                file.append(service(s, "v" + (i + 1), e, services, random.nextDouble() < 0.3));
            }
            ZonedDateTime local = clock.now().atZone(ZoneOffset.UTC);
            boolean off = local.getHour() < 8 || local.getHour() >= 18;
            boolean weekend = local.getDayOfWeek().getValue() >= 6;
            double worst = services.stream().mapToDouble(fragility::get).max().orElseThrow();
            double z = -2.6 + worst + 0.3 * changes + 0.5 * Math.log(services.size()) / Math.log(2) + (off ? 0.7 : 0) + (weekend ? 0.3 : 0)
                    + random.nextGaussian() * 0.5;
            double p = 1 / (1 + Math.exp(-z));
            if (random.nextDouble() < p) {
                String culprit = services.get(random.nextInt(services.size()));
                broken = culprit + " v" + (i + 1);
                double u = random.nextDouble();
                how = u < 0.6 ? RollbackCause.ANALYSIS : u < 0.85 ? RollbackCause.SMOKE_TEST : RollbackCause.READINESS;
            } else {
                broken = "";
            }
            ReleaseRecord r = engine.submit(ReleaseReader.read("r.yaml", file.toString()), "r.yaml", file.toString(), Path.of("."), "alice");
            engine.awaitAll(Duration.ofSeconds(30));
            truth.put(r.id(), p);
            if (store.release(r.id()).orElseThrow().outcome().orElseThrow() == Outcome.PROMOTED) {
                env.putAll(asked);
            }
        }
        long tookMillis = (System.nanoTime() - started) / 1_000_000;

        List<ReleaseFacts> facts = store.releases(RELEASES).stream().map(r -> ReleaseFacts.read(r, store.events(r.id(), 0))).toList();
        long failed = facts.stream().filter(f -> f.failed().orElse(false)).count();
        Map<RollbackCause, Long> causes = new TreeMap<>();
        facts.stream().flatMap(f -> f.rollbacks().values().stream()).forEach(c -> causes.merge(c, 1L, Long::sum));
        Evaluation e = Evaluation.holdOut(facts, 0.7, Integer.MAX_VALUE, ZoneOffset.UTC, truth);
        System.out.printf(Locale.ROOT, "demo-like history: %d releases through the engine in %d ms, %d rolled back (%s)%n", RELEASES, tookMillis, failed, causes);
        System.out.printf(Locale.ROOT, "trained on %d, tested on %d (%.1f%% failed)%n", e.trained(), e.tested(), 100 * e.testFailureRate());
        for (var m : List.of(Map.entry("fitted", e.fitted()), Map.entry("prior", e.prior()), Map.entry("base rate", e.baseRate()),
                Map.entry("truth", e.truth().orElseThrow()))) {
            System.out.printf(Locale.ROOT, "  %-9s AUC %.3f  Brier %.4f  log-loss %.4f  calibration error %.3f%n", m.getKey(), m.getValue().auc(),
                    m.getValue().brier(), m.getValue().logLoss(), m.getValue().calibrationError());
        }
        System.out.printf(Locale.ROOT, "  fitted intercept %.2f (prior %.2f); coefficients (prior):", e.model().intercept(), RiskModel.PRIOR_INTERCEPT);
        for (Factor f : Factor.values()) {
            System.out.printf(Locale.ROOT, " %s %.2f (%.2f)", f.id(), e.model().coefficient(f), f.prior());
        }
        System.out.println();
        e.reliability().forEach(b -> System.out.printf(Locale.ROOT, "  decile: %d releases, said %.1f%%, %.1f%% failed%n", b.releases(),
                100 * b.predicted(), 100 * b.observed()));
        assertThat(facts).allSatisfy(f -> assertThat(f.outcome()).isPresent());
        assertThat(causes).containsKeys(RollbackCause.ANALYSIS, RollbackCause.SMOKE_TEST, RollbackCause.READINESS);
        assertThat(facts.stream().filter(f -> f.outcome().get() == Outcome.ROLLED_BACK).count()).isEqualTo(failed);
        // a small world (five services) with much noise: the truth itself ranks only so well; the fit must take at least half its lift,
        // beat saying the base rate of every release, and beat the prior it started from
        double truthAuc = e.truth().orElseThrow().auc();
        assertThat(e.fitted().auc()).as("AUC on the newer releases").isGreaterThan(0.55);
        assertThat((e.fitted().auc() - 0.5) / (truthAuc - 0.5)).as("share of the truth's lift over chance").isGreaterThan(0.5);
        assertThat(e.fitted().brier()).as("Brier against the base rate").isLessThan(e.baseRate().brier());
        assertThat(e.fitted().logLoss()).as("log-loss against the prior alone").isLessThan(e.prior().logLoss());
    }

    /** About 3 hours later, mostly moved into the next working hours. */
    Duration gap(Random random) {
        Instant now = clock.now();
        Instant next = now.plusSeconds((long) (-Math.log(1 - random.nextDouble()) * 3 * 3600));
        ZonedDateTime z = next.atZone(ZoneOffset.UTC);
        if ((z.getDayOfWeek().getValue() >= 6 || z.getHour() < 8 || z.getHour() >= 18) && random.nextDouble() < 0.7) {
            ZonedDateTime day = z.getHour() >= 18 ? z.plusDays(1) : z;
            while (day.getDayOfWeek().getValue() >= 6) {
                day = day.plusDays(1);
            }
            next = day.toLocalDate().atTime(8, 0).atZone(ZoneOffset.UTC).toInstant().plusSeconds(random.nextInt(10 * 3600));
        }
        return next.isAfter(now) ? Duration.between(now, next) : Duration.ofMinutes(5);
    }

    static List<String> shopSubset(Random random) {
        List<String> out = new ArrayList<>();
        for (String s : SHOP) {
            if (random.nextDouble() < 0.5) {
                out.add(s);
            }
        }
        return out.isEmpty() ? List.of(SHOP[random.nextInt(SHOP.length)]) : out;
    }

    /** A service as the demo's files write it, with short waits; dependencies as the shop's, among the services of the release. */
    static String service(String name, String version, Map<String, String> env, List<String> release, boolean blueGreen) {
        List<String> deps = switch (name) {
            case "catalog" -> List.of("inventory");
            case "gateway" -> List.of("catalog", "pricing");
            default -> List.of();
        };
        List<String> here = deps.stream().filter(release::contains).toList();
        String envText = String.join(", ", env.entrySet().stream().map(x -> x.getKey() + ": \"" + x.getValue() + "\"").toList());
        return """
                  - name: %s
                    version: %s
                    run: {command: [java, -jar, %s.jar], env: {%s}, replicas: 2}
                    route: {pathPrefix: /%s}
                    readiness: {interval: 500ms, healthyAfter: 2, deadline: 10s}
                    smoke: [{name: alive, request: {path: /%s}}]
                    analysis: {interval: 1s, minRequests: 50, failAfter: 2, postPromotion: 3s}
                    keepPrevious: 0s
                %s%s""".formatted(name, version, name, envText, name, name, here.isEmpty() ? "" : "    dependsOn: [" + String.join(", ", here) + "]\n",
                blueGreen ? "    strategy: blueGreen\n" : "    steps: [{weight: 20}, {bake: 4s}, {weight: 50}, {bake: 4s}]\n");
    }
}
