package io.glidepath.server.metrics;

import io.glidepath.journal.ReleaseEvent;
import io.glidepath.journal.StoredEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The server's own figures for Prometheus ({@code GET /metrics}), from the journal's events as they
 * are written (the engine's and those of releases a restarted server finishes): releases by
 * outcome, how long releases took, rollback latency (decision to traffic back), analysis verdicts
 * by outcome, releases running now. Counters start at zero with each server, as Prometheus expects.
 */
public final class ServerMetrics {
    private static final Duration[] RELEASE_BUCKETS = {Duration.ofSeconds(5), Duration.ofSeconds(15), Duration.ofSeconds(30), Duration.ofMinutes(1),
            Duration.ofMinutes(2), Duration.ofMinutes(5), Duration.ofMinutes(10), Duration.ofMinutes(30), Duration.ofHours(1)};
    private static final Duration[] ROLLBACK_BUCKETS = {Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
            Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5)};

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    /** When each release running now started (its Submitted event). */
    private final Map<String, Instant> started = new ConcurrentHashMap<>();

    public ServerMetrics() {
        Gauge.builder("glidepath_releases_running", started, Map::size).description("Releases running now").register(registry);
    }

    /**
     * A release a previous server submitted and this one goes on with: it runs now, and its duration
     * counts from its submission (its Submitted event went with the dead server).
     */
    public void resumed(String releaseId, Instant submitted) {
        started.put(releaseId, submitted);
    }

    /** Takes every journaled event (a follower of the engine, and of recovery). */
    public void accept(StoredEvent stored) {
        switch (stored.event()) {
            case ReleaseEvent.Submitted s -> started.put(stored.releaseId(), s.at());
            case ReleaseEvent.Finished f -> {
                String outcome = f.outcome().name().toLowerCase(Locale.ROOT);
                Counter.builder("glidepath_releases").description("Releases that ended, by outcome").tag("outcome", outcome)
                        .register(registry).increment();
                Instant from = started.remove(stored.releaseId());
                if (from != null) {
                    Timer.builder("glidepath_release_duration").description("From a release's start to its end, by outcome").tag("outcome", outcome)
                            .serviceLevelObjectives(RELEASE_BUCKETS).register(registry).record(Duration.between(from, f.at()));
                }
            }
            case ReleaseEvent.TrafficRestored t -> Timer.builder("glidepath_rollback_traffic_restored")
                    .description("From a rollback decision to traffic back on the previous version; scope service or release (every service)")
                    .tag("scope", t.service() == null ? "release" : "service").serviceLevelObjectives(ROLLBACK_BUCKETS).register(registry)
                    .record(Duration.ofMillis(t.millis()));
            case ReleaseEvent.RollbackDecided d -> Counter.builder("glidepath_rollbacks").description("Rollback decisions; scope service or release")
                    .tag("scope", d.service() == null ? "release" : "service").register(registry).increment();
            case ReleaseEvent.VerdictGiven v -> Counter.builder("glidepath_analysis_verdicts").description("Analysis verdicts, by outcome")
                    .tag("outcome", v.outcome().name().toLowerCase(Locale.ROOT)).register(registry).increment();
            default -> {
                // other events are not counted
            }
        }
    }

    /** Prometheus text. */
    public String scrape() {
        return registry.scrape();
    }

    /** For tests: the registry's view of one counter, 0 when it was never incremented. */
    double count(String name, String tag, String value) {
        Counter c = registry.find(name).tag(tag, value).counter();
        return c == null ? 0 : c.count();
    }
}
