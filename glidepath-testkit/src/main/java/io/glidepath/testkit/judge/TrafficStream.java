package io.glidepath.testkit.judge;

import io.glidepath.analysis.ClientOutcome;
import io.glidepath.analysis.MetricQuery;
import io.glidepath.analysis.TrafficWindow;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * A seeded stream of one scenario's seconds: stable's and the canary's requests, errors and latencies,
 * second by second, the same for every judge given it (the same seed gives the same stream). Each
 * second's latencies have their own generator, derived from the seed and the second, so what one
 * judge asks of a second never changes what the next second holds.
 */
public final class TrafficStream {
    /** Pause probability per track and second in the {@link Scenario.Variant#GC} variant. */
    static final double PAUSE_CHANCE = 1.0 / 120;
    /** The share of requests delayed by a pause that fail. */
    static final double PAUSE_FAILURES = 0.05;
    /** Load waves: period and amplitude. */
    static final double WAVE_SECONDS = 300;
    static final double WAVE_AMPLITUDE = 0.5;

    /** One second of both tracks; on a sticky split, the canary's share of clients. */
    public record Second(int second, TrackSecond stable, TrackSecond canary, OptionalDouble clientShare, Optional<List<ClientOutcome>> clients) {

        /** Draws what all these questions need, in an order that keeps every answer from the same requests. */
        public void prepare(Collection<MetricQuery> queries) {
            Set<Double> thresholds = new HashSet<>();
            Set<Double> percentiles = new HashSet<>();
            for (MetricQuery q : queries) {
                q.slowerThan().forEach(d -> thresholds.add(TrackSecond.millis(d)));
                percentiles.addAll(q.percentiles());
            }
            stable.latencies().prepare(thresholds, percentiles);
            canary.latencies().prepare(thresholds, percentiles);
        }

        /** The window a metric source would give a judge that asked {@code q}. */
        public TrafficWindow window(MetricQuery q) {
            return new TrafficWindow(q.window(), stable.figures(q), canary.figures(q), clientShare, clients);
        }
    }

    private final Scenario scenario;
    private final long seed;
    private final SplittableRandom rng;
    private final double wavePhase;
    private final StickyClients clients;
    private final LatencyModel healthy = LatencyModel.healthy();
    private final LatencyModel regressed;
    private int second;

    public TrafficStream(Scenario scenario, long seed) {
        this.scenario = scenario;
        this.seed = seed;
        this.rng = new SplittableRandom(seed);
        this.wavePhase = rng.nextDouble() * 2 * Math.PI;
        this.clients = scenario.variant() == Scenario.Variant.STICKY ? new StickyClients(rng, scenario.rps(), mix(seed, -1)) : null;
        this.regressed = regress(healthy);
    }

    public Scenario scenario() {
        return scenario;
    }

    /** The next second (the first is second 1). */
    public Second next() {
        second++;
        double share = scenario.split().share(second);
        boolean regressing = !scenario.healthy() && second > scenario.onsetSeconds();
        double load = scenario.variant() == Scenario.Variant.WAVES
                ? 1 + WAVE_AMPLITUDE * Math.sin(2 * Math.PI * second / WAVE_SECONDS + wavePhase) : 1;
        LatencyModel stableModel = load == 1 ? healthy : healthy.scaled(Math.sqrt(load));
        LatencyModel canaryModel = !regressing ? stableModel : load == 1 ? regressed : regress(stableModel);
        double stableErrors = scenario.baselineErrors();
        double canaryErrors = regressing && scenario.effect() instanceof Scenario.Effect.Errors e
                ? Math.min(1, stableErrors * e.multiplier()) : stableErrors;
        double rate = scenario.rps() * load;

        // stable requests, errors and clients' first errors, then the canary's
        long[] counts = new long[6];
        if (clients != null) {
            clients.second(rng, rate, share, stableErrors, canaryErrors, counts);
        } else {
            counts[0] = Draw.poisson(rng, rate * (1 - share));
            counts[3] = Draw.poisson(rng, rate * share);
        }
        TrackSecond stable = track(0, counts[0], counts[1], counts[2], stableErrors, stableModel);
        TrackSecond canary = track(1, counts[3], counts[4], counts[5], canaryErrors, canaryModel);
        return new Second(second, stable, canary, clients != null ? OptionalDouble.of(share) : OptionalDouble.empty(),
                clients != null ? Optional.of(clients.revealed()) : Optional.empty());
    }

    private TrackSecond track(int track, long requests, long clientErrors, long firstClientErrors, double errorRate, LatencyModel model) {
        RandomGenerator own = new SplittableRandom(mix(seed, 2L * second + track));
        boolean pause = scenario.variant() == Scenario.Variant.GC && rng.nextDouble() < PAUSE_CHANCE;
        if (!pause) {
            if (clients != null) {
                return new TrackSecond(requests, clientErrors, Latencies.lazy(requests, model, own), OptionalLong.of(firstClientErrors));
            }
            return new TrackSecond(requests, Draw.binomial(rng, requests, errorRate), Latencies.lazy(requests, model, own));
        }
        // a stop-the-world pause of 100-400 ms somewhere in this second: requests arriving during it
        // wait for what is left of it, and some of those fail (callers' timeouts)
        double pauseMillis = 100 + 300 * own.nextDouble();
        double[] latency = new double[(int) requests];
        long errors = 0;
        for (int i = 0; i < latency.length; i++) {
            latency[i] = model.sample(own);
            boolean delayed = own.nextDouble() * 1000 < pauseMillis;
            if (delayed) {
                latency[i] += pauseMillis * own.nextDouble();
            }
            if (own.nextDouble() < (delayed ? errorRate + PAUSE_FAILURES : errorRate)) {
                errors++;
            }
        }
        return new TrackSecond(requests, errors, Latencies.of(latency));
    }

    private LatencyModel regress(LatencyModel model) {
        if (scenario.effect() instanceof Scenario.Effect.Latency l) {
            return l.tailOnly() ? model.tailStretched(l.factor()) : model.scaled(l.factor());
        }
        return model;
    }

    /** SplitMix64's finalizer over a seed and an index: independent-looking seeds for each run and second. */
    public static long mix(long a, long b) {
        long z = a * 0x9E3779B97F4A7C15L + b + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
