package io.glidepath.engine.internal;

import io.glidepath.journal.ReleaseEvent;
import io.glidepath.journal.RollbackCause;
import io.glidepath.platform.Instance;
import io.glidepath.platform.Platform;
import io.glidepath.probe.Prober;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.RouteMatch;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.RouteState;
import io.glidepath.spec.Durations;
import io.glidepath.spec.HttpCheck;
import io.glidepath.spec.Readiness;
import io.glidepath.spec.ServiceSpec;
import io.glidepath.time.Clock;
import io.glidepath.time.Wakeup;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What proves a new version before any user sees it: every instance ready (its readiness path
 * passing {@code healthyAfter} times in a row, within the deadline, and the platform agreeing), then each smoke test on each
 * instance directly, then through the router's preview track with the route's preview key.
 */
final class Proofs {
    /** Lets a proof stop at its next step when the deployment failed meanwhile (an abort, a dying instance). */
    @FunctionalInterface
    interface Check {
        void failIfFailed() throws Failed;
    }

    private final ServiceSpec spec;
    private final Platform platform;
    private final Prober prober;
    private final EndpointAddress routerEntry;
    private final Clock clock;
    private final EventSink events;
    private final Check check;
    private final Wakeup wakeup;

    Proofs(ServiceSpec spec, Platform platform, Prober prober, EndpointAddress routerEntry, Clock clock, EventSink events, Check check,
           Wakeup wakeup) {
        this.spec = spec;
        this.platform = platform;
        this.prober = prober;
        this.routerEntry = routerEntry;
        this.clock = clock;
        this.events = events;
        this.check = check;
        this.wakeup = wakeup;
    }

    /** Polls every instance's readiness path until each passed {@code healthyAfter} times in a row; fails at the deadline. */
    void awaitReadiness(List<Instance> fresh) throws Failed, InterruptedException {
        Readiness r = spec.readiness();
        Instant began = clock.now();
        Instant deadline = began.plus(r.deadline());
        Map<String, Integer> passes = new HashMap<>();
        Map<String, String> last = new HashMap<>();
        List<Instance> waiting = new ArrayList<>(fresh);
        while (!waiting.isEmpty()) {
            check.failIfFailed();
            for (var it = waiting.iterator(); it.hasNext(); ) {
                Instance i = it.next();
                Prober.Result res = r.grpcService().isPresent() ? prober.grpcHealth(i.address(), r.grpcService().get(), r.timeout())
                        : prober.get(i.address(), r.path(), r.timeout());
                last.put(i.id(), res.detail());
                int n = res.passed() ? passes.merge(i.id(), 1, Integer::sum) : 0;
                if (!res.passed()) {
                    passes.put(i.id(), 0);
                }
                if (n >= r.healthyAfter()) {
                    it.remove();
                    long ms = clock.since(began).toMillis();
                    events.emit(new ReleaseEvent.InstanceReady(clock.now(), spec.name(), "instance " + i.id() + " is ready after " + ms + " ms", i.id(), ms));
                }
            }
            if (waiting.isEmpty()) {
                break;
            }
            if (!clock.now().isBefore(deadline)) {
                Instance i = waiting.get(0);
                throw new Failed(RollbackCause.READINESS, "instance " + i.id() + " was not ready within " + Durations.format(r.deadline())
                        + " (" + r.describe() + ": " + last.getOrDefault(i.id(), "never answered") + ")");
            }
            clock.sleep(r.interval(), wakeup);
        }
        // the platform's own view must agree before anything routes by it
        Optional<String> platformWaits = platform.notReady(fresh);
        if (platformWaits.isPresent()) {
            events.emit(new ReleaseEvent.Note(clock.now(), spec.name(), "instances answer their readiness checks; waiting for the platform: "
                    + platformWaits.get()));
        }
        while (platformWaits.isPresent()) {
            check.failIfFailed();
            if (!clock.now().isBefore(deadline)) {
                throw new Failed(RollbackCause.READINESS, "the new instances answered their readiness checks, but the platform did not count them "
                        + "ready within " + Durations.format(r.deadline()) + ": " + platformWaits.get());
            }
            clock.sleep(r.interval(), wakeup);
            platformWaits = platform.notReady(fresh);
        }
    }

    /** Each smoke test on each new instance, directly. */
    void smokeEachInstance(List<Instance> fresh) throws Failed {
        for (HttpCheck c : spec.smoke()) {
            for (Instance i : fresh) {
                check.failIfFailed();
                smoke(c, i.address(), "instance " + i.id(), Map.of());
            }
        }
    }

    /** Each smoke test through the router, on the preview track of {@code preview} (reachable only with its preview key). */
    void smokeThroughRouter(RouteState preview) throws Failed {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(RouteSpec.PREVIEW_KEY_HEADER, preview.previewKey());
        hostFor(preview.spec().match()).ifPresent(h -> headers.put("Host", h));
        for (HttpCheck c : spec.smoke()) {
            check.failIfFailed();
            smoke(c, routerEntry, "the router (preview)", headers);
        }
    }

    private void smoke(HttpCheck c, EndpointAddress target, String where, Map<String, String> headers) throws Failed {
        Prober.Result r = prober.check(target, c, headers);
        String msg = "smoke test '" + c.name() + "' " + (r.passed() ? "passed" : "failed") + " on " + where + ": " + c.method() + " " + c.path()
                + " -> " + r.detail();
        events.emit(new ReleaseEvent.CheckResult(clock.now(), spec.name(), msg, c.name(), where, r.passed()));
        if (!r.passed()) {
            throw new Failed(RollbackCause.SMOKE_TEST, msg);
        }
    }

    /** The Host a smoke request through the router names: the route's (the stable version's match while it serves). */
    private static Optional<String> hostFor(RouteMatch match) {
        String host = match.host();
        if (host == null) {
            return Optional.empty();
        }
        return Optional.of(host.startsWith("*.") ? "glidepath-smoke" + host.substring(1) : host);
    }
}
