package io.glidepath.router.health;

import io.glidepath.route.EndpointAddress;
import io.glidepath.route.HealthCheck;
import io.glidepath.router.endpoint.Endpoint.Health;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks every active endpoint of every route on its route's schedule and reports changes of health
 * through one listener. It knows targets by key and address only; who owns the endpoint is not its
 * business. Probes run on virtual threads; one timer thread schedules them.
 */
public final class HealthChecker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HealthChecker.class);

    /** News of a target's health. */
    @FunctionalInterface
    public interface Listener {
        void healthChanged(TargetKey key, Health health);

        /** A restored target's first check kept the health it was restored with. */
        default void confirmed(TargetKey key, Health health) {
        }
    }

    /** A route's endpoint. */
    public record TargetKey(String route, EndpointAddress address) {
    }

    /**
     * What to check and where its health stands now. {@code restored}: the health came from the state
     * file after a restart and no check has confirmed it; such a target is checked at once, and a
     * HEALTHY one leaves on its first failed check instead of after {@code unhealthyThreshold}.
     */
    public record Target(TargetKey key, HealthCheck check, Health current, boolean restored) {
        public Target(TargetKey key, HealthCheck check, Health current) {
            this(key, check, current, false);
        }
    }

    private final Listener listener;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "health-timer");
        t.setDaemon(true);
        return t;
    });
    private final ExecutorService probes = Executors.newVirtualThreadPerTaskExecutor();
    private final Map<TargetKey, Running> running = new HashMap<>();

    public HealthChecker(Listener listener) {
        this.listener = listener;
    }

    /** Makes the set of checked targets exactly {@code targets}: new ones start, gone ones stop. */
    public synchronized void reconcile(Iterable<Target> targets) {
        Map<TargetKey, Target> wanted = new HashMap<>();
        targets.forEach(t -> wanted.put(t.key(), t));
        running.entrySet().removeIf(e -> {
            Target w = wanted.get(e.getKey());
            if (w == null || !w.check().equals(e.getValue().check)) {
                e.getValue().cancel();
                return true;
            }
            return false;
        });
        for (Target t : wanted.values()) {
            running.computeIfAbsent(t.key(), k -> new Running(t));
        }
    }

    @Override
    public synchronized void close() {
        running.values().forEach(Running::cancel);
        running.clear();
        timer.shutdownNow();
        probes.shutdownNow();
    }

    /** The schedule and threshold counting of one target. */
    private final class Running {
        final TargetKey key;
        final HealthCheck check;
        final AtomicBoolean inProgress = new AtomicBoolean();
        final ScheduledFuture<?> schedule;
        volatile boolean cancelled;
        Health health;
        int passes;
        int failures;
        /** Restored health not yet confirmed: the next result decides (one failure takes a HEALTHY one out). */
        boolean onProbation;

        Running(Target t) {
            this.key = t.key();
            this.check = t.check();
            this.health = t.current();
            this.onProbation = t.restored() && health != Health.PENDING;
            long every = check.interval().toMillis();
            // a pending endpoint, or one whose health was restored from the state file, is checked at once; the others one interval from now
            long first = health == Health.PENDING || onProbation ? 0 : every;
            this.schedule = timer.scheduleWithFixedDelay(this::tick, first, every, TimeUnit.MILLISECONDS);
        }

        void tick() {
            if (cancelled || !inProgress.compareAndSet(false, true)) {
                return; // the previous probe is still out
            }
            try {
                probes.execute(() -> {
                    try {
                        record(Probe.passes(key.address(), check));
                    } finally {
                        inProgress.set(false);
                    }
                });
            } catch (RuntimeException rejected) {
                inProgress.set(false);
            }
        }

        void record(boolean passed) {
            Health next;
            boolean changed;
            boolean wasOnProbation;
            synchronized (this) {
                if (cancelled) {
                    return;
                }
                if (passed) {
                    passes++;
                    failures = 0;
                } else {
                    failures++;
                    passes = 0;
                }
                wasOnProbation = onProbation;
                onProbation = false;
                int unhealthyAfter = wasOnProbation ? 1 : check.unhealthyThreshold();
                next = switch (health) {
                    case PENDING -> passed ? Health.HEALTHY : failures >= check.unhealthyThreshold() ? Health.UNHEALTHY : Health.PENDING;
                    case HEALTHY -> failures >= unhealthyAfter ? Health.UNHEALTHY : Health.HEALTHY;
                    case UNHEALTHY -> passes >= check.healthyThreshold() ? Health.HEALTHY : Health.UNHEALTHY;
                };
                changed = next != health;
                health = next;
            }
            if (changed) {
                log.info("endpoint {} of route {} is now {}", key.address(), key.route(), next);
                listener.healthChanged(key, next);
            } else if (wasOnProbation) {
                listener.confirmed(key, next);
            }
        }

        void cancel() {
            cancelled = true;
            schedule.cancel(false);
        }
    }
}
