package io.glidepath.testkit.load;

import io.glidepath.http.ClientRequest;
import io.glidepath.http.ClientResponse;
import io.glidepath.http.HttpConnection;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Steady HTTP load from a fixed number of keep-alive connections, each on its own virtual thread,
 * optionally paced to a total rate. Every request is accounted: a response with status below 400
 * is a success, anything else (an error status, a reset, a timeout) is a failure with its reason kept.
 * Each simulated user keeps the cookies it is given, as a browser would; a connection carries one user
 * or, taking turns, several (so that a sticky split sees many distinct clients over few connections).
 */
public final class LoadGenerator implements AutoCloseable {

    /** Where to send and how hard. {@code ratePerSecond} 0 means as fast as the connections go. */
    public record Config(String host, int port, List<String> paths, int connections, int usersPerConnection, double ratePerSecond,
                         Duration timeout, Map<String, String> headers, String versionHeader) {
        public Config {
            paths = List.copyOf(paths);
            headers = Map.copyOf(headers);
            if (usersPerConnection < 1) {
                throw new IllegalArgumentException("usersPerConnection must be at least 1");
            }
        }

        public static Config of(String host, int port, int connections) {
            return new Config(host, port, List.of("/"), connections, 1, 0, Duration.ofSeconds(10), Map.of(), "X-Version");
        }

        public Config withRate(double perSecond) {
            return new Config(host, port, paths, connections, usersPerConnection, perSecond, timeout, headers, versionHeader);
        }

        public Config withPaths(List<String> p) {
            return new Config(host, port, p, connections, usersPerConnection, ratePerSecond, timeout, headers, versionHeader);
        }

        public Config withTimeout(Duration t) {
            return new Config(host, port, paths, connections, usersPerConnection, ratePerSecond, t, headers, versionHeader);
        }

        /** Each connection carries this many users in turn, each with its own cookies (a client id each). */
        public Config withUsersPerConnection(int n) {
            return new Config(host, port, paths, connections, n, ratePerSecond, timeout, headers, versionHeader);
        }
    }

    /** One failed request: when (ms since start), which path and why. */
    public record Failure(long atMillis, String path, String reason) {
    }

    /** Totals since start plus the figures of the last interval. */
    public record Snapshot(long requests, long failures, Map<String, Long> byVersion,
                           double intervalRate, long intervalFailures, Map<String, Long> intervalByVersion,
                           double intervalP99Millis, double p50Millis, double p99Millis, double maxMillis) {
    }

    private static final int MAX_FAILURES_KEPT = 1_000;

    private final Config config;
    private final List<Thread> workers = new ArrayList<>();
    private final LongAdder requests = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final Map<String, LongAdder> byVersion = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Failure> failureLog = new ConcurrentLinkedQueue<>();
    /** When the last failure happened (ms since start; -1: none), kept past the log's cap. */
    private final java.util.concurrent.atomic.AtomicLong lastFailureMillis = new java.util.concurrent.atomic.AtomicLong(-1);
    private final Recorder latency = new Recorder(3);
    private final Histogram total = new Histogram(3);
    private volatile boolean running;
    private long startNanos;
    private long lastSnapshotNanos;
    private long lastRequests;
    private long lastFailures;
    private Map<String, Long> lastByVersion = Map.of();

    public LoadGenerator(Config config) {
        this.config = config;
    }

    public synchronized LoadGenerator start() {
        running = true;
        startNanos = System.nanoTime();
        lastSnapshotNanos = startNanos;
        for (int i = 0; i < config.connections(); i++) {
            int id = i;
            workers.add(Thread.ofVirtual().name("load-" + i).start(() -> runClient(id)));
        }
        return this;
    }

    private void runClient(int id) {
        long intervalNanos = config.ratePerSecond() > 0 ? (long) (1e9 * config.connections() / config.ratePerSecond()) : 0;
        long next = System.nanoTime() + (intervalNanos > 0 ? (intervalNanos * id) / config.connections() : 0);
        List<Map<String, String>> users = new ArrayList<>();
        for (int u = 0; u < config.usersPerConnection(); u++) {
            users.add(new TreeMap<>());
        }
        HttpConnection conn = null;
        int n = 0;
        while (running) {
            if (intervalNanos > 0) {
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                    continue;
                }
                next += intervalNanos;
            }
            Map<String, String> cookies = users.get(n % users.size());
            String path = config.paths().get((id + n++) % config.paths().size());
            long t0 = System.nanoTime();
            try {
                if (conn == null || !conn.isOpen()) {
                    conn = HttpConnection.open(config.host(), config.port(), config.timeout(), config.timeout());
                }
                ClientRequest req = ClientRequest.get(path);
                for (Map.Entry<String, String> h : config.headers().entrySet()) {
                    req = req.withHeader(h.getKey(), h.getValue());
                }
                if (!cookies.isEmpty()) {
                    req = req.withHeader("Cookie", String.join("; ", cookies.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList()));
                }
                ClientResponse resp = conn.send(req);
                rememberCookies(resp, cookies);
                long micros = (System.nanoTime() - t0) / 1_000;
                latency.recordValue(Math.max(1, micros));
                requests.increment();
                resp.header(config.versionHeader()).ifPresent(v -> byVersion.computeIfAbsent(v, k -> new LongAdder()).increment());
                if (resp.status() >= 400) {
                    fail(path, "HTTP " + resp.status() + (resp.body().length > 0 ? ": " + abbreviate(resp.bodyText()) : ""));
                }
            } catch (IOException | RuntimeException e) {
                if (conn != null) {
                    conn.close();
                    conn = null;
                }
                if (!running) {
                    break;
                }
                requests.increment();
                fail(path, e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        }
        if (conn != null) {
            conn.close();
        }
    }

    private static void rememberCookies(ClientResponse resp, Map<String, String> cookies) {
        for (String sc : resp.headers("Set-Cookie")) {
            String pair = sc.split(";", 2)[0];
            int eq = pair.indexOf('=');
            if (eq > 0) {
                cookies.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
            }
        }
    }

    private void fail(String path, String reason) {
        failures.increment();
        long at = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        lastFailureMillis.accumulateAndGet(at, Math::max);
        if (failureLog.size() < MAX_FAILURES_KEPT) {
            failureLog.add(new Failure(at, path, reason));
        }
    }

    private static String abbreviate(String s) {
        String one = s.strip().replace('\n', ' ');
        return one.length() > 120 ? one.substring(0, 120) + "..." : one;
    }

    /** Figures since start, and since the previous snapshot for the interval ones. */
    public synchronized Snapshot snapshot() {
        long now = System.nanoTime();
        Histogram interval = latency.getIntervalHistogram();
        total.add(interval);
        long req = requests.sum();
        long fail = failures.sum();
        Map<String, Long> versions = new TreeMap<>();
        byVersion.forEach((k, v) -> versions.put(k, v.sum()));
        Map<String, Long> intervalVersions = new TreeMap<>();
        versions.forEach((k, v) -> intervalVersions.put(k, v - lastByVersion.getOrDefault(k, 0L)));
        double seconds = Math.max(1e-9, (now - lastSnapshotNanos) / 1e9);
        Snapshot s = new Snapshot(req, fail, versions, (req - lastRequests) / seconds, fail - lastFailures, intervalVersions,
                interval.getTotalCount() == 0 ? 0 : interval.getValueAtPercentile(99) / 1_000.0,
                total.getTotalCount() == 0 ? 0 : total.getValueAtPercentile(50) / 1_000.0,
                total.getTotalCount() == 0 ? 0 : total.getValueAtPercentile(99) / 1_000.0,
                total.getMaxValue() / 1_000.0);
        lastSnapshotNanos = now;
        lastRequests = req;
        lastFailures = fail;
        lastByVersion = versions;
        return s;
    }

    public List<Failure> failures() {
        return List.copyOf(failureLog);
    }

    /** Milliseconds since the load started: the clock of {@link Failure#atMillis()}. */
    public long elapsedMillis() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    public long requestCount() {
        return requests.sum();
    }

    public long failureCount() {
        return failures.sum();
    }

    /** Milliseconds since the start at the last failure, or -1 when none failed. */
    public long lastFailureMillis() {
        return lastFailureMillis.get();
    }

    /** Stops every client after its current request and waits for them. */
    @Override
    public void close() {
        running = false;
        for (Thread t : workers) {
            try {
                t.join(config.timeout().toMillis() + 1_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
