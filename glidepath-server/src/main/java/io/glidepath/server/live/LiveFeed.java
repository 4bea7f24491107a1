package io.glidepath.server.live;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.glidepath.journal.EventJson;
import io.glidepath.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a {@link LiveSnapshot} once a period and hands the same frame (snapshot and its JSON,
 * written once) to every watcher: a hundred open dashboards cost the router one stats call per
 * service per second, not a hundred. Nothing is read while nobody watches. A tick that comes late
 * is skipped rather than caught up, so watchers never get a burst of stale frames.
 */
public final class LiveFeed implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LiveFeed.class);

    /** One reading, numbered from 1 in the order they were taken. */
    public record Frame(long seq, LiveSnapshot snapshot, String json) {
    }

    private final LiveSource source;
    private final Clock clock;
    private final Duration period;
    private final List<Consumer<Frame>> watchers = new CopyOnWriteArrayList<>();
    private volatile Frame last;
    private volatile boolean closed;
    private long seq; // the feed's thread only
    private Thread thread;

    public LiveFeed(LiveSource source, Clock clock, Duration period) {
        this.source = source;
        this.clock = clock;
        this.period = period;
    }

    public synchronized LiveFeed start() {
        if (thread == null) {
            thread = Thread.ofPlatform().daemon().name("live-feed").start(this::run);
        }
        return this;
    }

    /**
     * Calls {@code watcher} with each new frame, on the feed's thread (so it must not block), and at
     * once with the last frame when it is less than two periods old (a page shows figures at once,
     * never stale ones). Returns a handle to stop.
     */
    public Runnable watch(Consumer<Frame> watcher) {
        watchers.add(watcher);
        Frame f = last;
        if (f != null && f.snapshot().at().isAfter(clock.now().minus(period.multipliedBy(2)))) {
            deliver(watcher, f);
        }
        return () -> watchers.remove(watcher);
    }

    public int watchers() {
        return watchers.size();
    }

    public Duration period() {
        return period;
    }

    private void run() {
        Instant next = clock.now().plus(period);
        while (!closed) {
            try {
                Duration wait = Duration.between(clock.now(), next);
                if (!wait.isNegative()) {
                    clock.sleep(wait);
                }
            } catch (InterruptedException e) {
                return;
            }
            tick();
            Instant now = clock.now();
            next = next.plus(period);
            if (next.isBefore(now)) {
                next = now.plus(period); // late: skip the missed ticks
            }
        }
    }

    private void tick() {
        if (watchers.isEmpty()) {
            return;
        }
        LiveSnapshot s;
        try {
            s = source.read();
        } catch (RuntimeException e) {
            log.warn("could not read the live view: {}", e.toString());
            return;
        }
        seq++;
        Frame f = new Frame(seq, s, json(seq, s).toString());
        last = f;
        watchers.forEach(w -> deliver(w, f));
    }

    private static void deliver(Consumer<Frame> watcher, Frame f) {
        try {
            watcher.accept(f);
        } catch (RuntimeException e) {
            log.warn("a live view watcher failed", e);
        }
    }

    /** The JSON of {@code GET /v1/live} (docs/server.md). */
    static ObjectNode json(long seq, LiveSnapshot s) {
        ObjectNode n = EventJson.MAPPER.createObjectNode();
        n.put("seq", seq).put("at", s.at().toString()).put("windowSeconds", s.window().toMillis() / 1000.0);
        ArrayNode releases = n.putArray("releases");
        for (LiveSnapshot.Release r : s.releases()) {
            ObjectNode o = releases.addObject().put("id", r.id()).put("state", r.state().name()).put("submittedBy", r.submittedBy())
                    .put("submitted", r.submitted().toString());
            if (r.queuedBehind() != null) {
                o.put("queuedBehind", r.queuedBehind());
            }
            ArrayNode services = o.putArray("services");
            for (LiveSnapshot.Service sv : r.services()) {
                ObjectNode so = services.addObject().put("name", sv.name()).put("wave", sv.wave()).put("phase", sv.phase().name())
                        .put("version", sv.version());
                if (sv.route() == null) {
                    so.putNull("route");
                } else {
                    so.putObject("route").put("stable", sv.route().stableVersion()).put("canary", sv.route().canaryVersion())
                            .put("canaryWeight", sv.route().canaryWeight());
                }
                rates(so, "stable", sv.stable());
                rates(so, "canary", sv.canary());
            }
        }
        return n;
    }

    private static void rates(ObjectNode parent, String field, LiveSnapshot.Rates r) {
        if (r == null) {
            parent.putNull(field);
            return;
        }
        parent.putObject(field).put("requests", r.requests()).put("requestsPerSecond", round(r.perSecond(), 1))
                .put("errorRate", round(r.errorRate(), 5)).put("p99Millis", r.p99Millis() == null ? null : round(r.p99Millis(), 2));
    }

    private static double round(double v, int places) {
        double f = Math.pow(10, places);
        return Math.round(v * f) / f;
    }

    @Override
    public void close() {
        closed = true;
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            t.interrupt();
            try {
                t.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        watchers.clear();
    }
}
