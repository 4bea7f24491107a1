package io.glidepath.router.health;

import io.glidepath.route.EndpointAddress;
import io.glidepath.route.HealthCheck;
import io.glidepath.router.endpoint.Endpoint.Health;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks the active endpoints of the routes and reports changes of health through one listener. One
 * probe runs per distinct endpoint and check (address, and the check's kind, path, interval, timeout
 * and thresholds), however many routes hold it: a backend behind 1,000 routes gets one probe an
 * interval, not 1,000, and every route holding it hears each change. It knows targets by key and
 * address only; who owns the endpoint is not its business. Probes run on virtual threads; one timer
 * thread schedules them.
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

        /** The news of one probe's result has all been given (to every target that shares it). */
        default void settled() {
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

        ProbeKey probe() {
            return new ProbeKey(key.address(), check);
        }
    }

    /** What one probe checks: targets with the same one share it. */
    private record ProbeKey(EndpointAddress address, HealthCheck check) {
    }

    private final Listener listener;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "health-timer");
        t.setDaemon(true);
        return t;
    });
    private final ExecutorService probes = Executors.newVirtualThreadPerTaskExecutor();
    private final Map<ProbeKey, Running> running = new HashMap<>();
    private final Map<TargetKey, ProbeKey> probeOf = new HashMap<>();
    private final Map<String, Set<TargetKey>> byRoute = new HashMap<>();

    public HealthChecker(Listener listener) {
        this.listener = listener;
    }

    /** Makes the set of checked targets exactly {@code targets}: new ones start, gone ones stop. */
    public synchronized void reconcile(Iterable<Target> targets) {
        Map<String, List<Target>> wanted = new HashMap<>();
        targets.forEach(t -> wanted.computeIfAbsent(t.key().route(), r -> new ArrayList<>()).add(t));
        for (String route : new ArrayList<>(byRoute.keySet())) {
            if (!wanted.containsKey(route)) {
                update(route, List.of());
            }
        }
        wanted.forEach(this::update);
    }

    /**
     * Makes the targets of {@code route} exactly {@code targets} (all of that route), at the cost of that
     * route: a target joins the probe of its endpoint and check, started if none runs; a probe no target
     * holds any more stops.
     */
    public synchronized void update(String route, Collection<Target> targets) {
        Set<TargetKey> keys = new HashSet<>();
        for (Target t : targets) {
            keys.add(t.key());
            ProbeKey now = t.probe();
            ProbeKey was = probeOf.put(t.key(), now);
            if (now.equals(was)) {
                continue;
            }
            if (was != null) {
                leave(t.key(), was);
            }
            Running r = running.get(now);
            if (r == null) {
                running.put(now, new Running(t));
            } else {
                r.join(t);
            }
        }
        Set<TargetKey> before = byRoute.getOrDefault(route, Set.of());
        for (TargetKey k : before) {
            if (!keys.contains(k)) {
                leave(k, probeOf.remove(k));
            }
        }
        if (keys.isEmpty()) {
            byRoute.remove(route);
        } else {
            byRoute.put(route, keys);
        }
    }

    private void leave(TargetKey key, ProbeKey probe) {
        Running r = probe == null ? null : running.get(probe);
        if (r != null && r.leave(key)) {
            r.cancel();
            running.remove(probe);
        }
    }

    /**
     * The health the running probe of {@code address} with {@code check} has settled on (HEALTHY or
     * UNHEALTHY), if one runs and has: an endpoint a new route adds takes it instead of a probe of its own.
     */
    public synchronized Optional<Health> known(EndpointAddress address, HealthCheck check) {
        Running r = running.get(new ProbeKey(address, check));
        Health h = r == null ? null : r.settledHealth();
        return Optional.ofNullable(h);
    }

    /** How many probes run (one per distinct endpoint and check). */
    public synchronized int probes() {
        return running.size();
    }

    @Override
    public synchronized void close() {
        running.values().forEach(Running::cancel);
        running.clear();
        probeOf.clear();
        byRoute.clear();
        timer.shutdownNow();
        probes.shutdownNow();
    }

    /** The schedule and threshold counting of one endpoint and check, and the targets that share it. */
    private final class Running {
        final EndpointAddress address;
        final HealthCheck check;
        final Set<TargetKey> targets = new LinkedHashSet<>();
        /** Targets that joined with another health than this probe's: the next result is told to them whatever it is. */
        final Set<TargetKey> unsettled = new HashSet<>();
        final AtomicBoolean inProgress = new AtomicBoolean();
        final ScheduledFuture<?> schedule;
        volatile boolean cancelled;
        Health health;
        int passes;
        int failures;
        /** Restored health not yet confirmed: the next result decides (one failure takes a HEALTHY one out). */
        boolean onProbation;

        Running(Target t) {
            this.address = t.key().address();
            this.check = t.check();
            this.health = t.current();
            this.onProbation = t.restored() && health != Health.PENDING;
            this.targets.add(t.key());
            long every = check.interval().toMillis();
            // a pending endpoint, or one whose health was restored from the state file, is checked at once; the others one interval from now
            long first = health == Health.PENDING || onProbation ? 0 : every;
            this.schedule = timer.scheduleWithFixedDelay(this::tick, first, every, TimeUnit.MILLISECONDS);
        }

        synchronized void join(Target t) {
            targets.add(t.key());
            if (t.current() != health) {
                unsettled.add(t.key()); // e.g. restored with another health than the route that started this probe
            }
        }

        /** True when no target is left. */
        synchronized boolean leave(TargetKey key) {
            targets.remove(key);
            unsettled.remove(key);
            return targets.isEmpty();
        }

        synchronized Health settledHealth() {
            return health == Health.PENDING || onProbation ? null : health;
        }

        void tick() {
            if (cancelled || !inProgress.compareAndSet(false, true)) {
                return; // the previous probe is still out
            }
            try {
                probes.execute(() -> {
                    try {
                        record(Probe.passes(address, check));
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
            List<TargetKey> told;
            List<TargetKey> settling = List.of();
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
                told = List.copyOf(targets);
                if (!changed && next != Health.PENDING && !unsettled.isEmpty()) {
                    settling = List.copyOf(unsettled);
                }
                if (next != Health.PENDING) {
                    unsettled.clear();
                }
            }
            // told outside the lock: the listener takes the registry's, whose holder may be updating this checker
            if (changed) {
                log.info("endpoint {} is now {} ({} route(s): {})", address, next, told.size(), routeNames(told));
                told.forEach(k -> listener.healthChanged(k, next));
            } else {
                List<TargetKey> toSettle = settling;
                toSettle.forEach(k -> listener.healthChanged(k, next));
                if (wasOnProbation) {
                    told.stream().filter(k -> !toSettle.contains(k)).forEach(k -> listener.confirmed(k, next));
                }
            }
            if (changed || wasOnProbation || !settling.isEmpty()) {
                listener.settled();
            }
        }

        private static String routeNames(List<TargetKey> keys) {
            return keys.size() <= 3 ? keys.stream().map(TargetKey::route).toList().toString()
                    : keys.subList(0, 3).stream().map(TargetKey::route).toList() + "...";
        }

        void cancel() {
            cancelled = true;
            schedule.cancel(false);
        }
    }
}
