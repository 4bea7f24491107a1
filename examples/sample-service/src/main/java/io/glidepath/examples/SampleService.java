package io.glidepath.examples;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small HTTP service for demos, tests and benchmarks. Configured by environment variables (or
 * {@code --name=value} arguments, which win):
 * <ul>
 *   <li>{@code PORT} (required), {@code HOST} (default 127.0.0.1), {@code VERSION}, {@code SERVICE_NAME}</li>
 *   <li>{@code ERROR_RATE}: share of requests answered 500, such as {@code 5%} or {@code 100%}</li>
 *   <li>{@code ERROR_AFTER}: the errors begin this long after the start (healthy until then, so a
 *       bad version passes its smoke tests like a real one would), such as {@code 20s}</li>
 *   <li>{@code ERROR_AFTER_REQUESTS}: the errors begin after this many ordinary requests (not
 *       {@code /health} or {@code /ready}), such as {@code 20}: an onset that does not move with how
 *       long the process took to start (a slow start on a busy host would otherwise bring the errors
 *       forward, into the smoke tests); the instance prints when they began</li>
 *   <li>{@code LATENCY}: added to every response, such as {@code 20ms}</li>
 *   <li>{@code START_DELAY}: wait this long before listening (a slow start), such as {@code 5s}</li>
 *   <li>{@code FAIL_READINESS}: {@code true} makes {@code /ready} and {@code /health} answer 503</li>
 *   <li>{@code CRASH_AFTER}: the process dies (exit 137, no clean-up) this long after the start</li>
 *   <li>{@code CALLS}: URLs (comma-separated) this service calls for every ordinary request, as a
 *       front calls the services behind it; a failed call makes the answer a 502 that names it</li>
 *   <li>{@code API_VERSION}: sent as {@code X-Api-Version} on those calls, unless the request brought
 *       one (then that one is passed on, as tracing headers are)</li>
 *   <li>{@code FAIL_ON_API_VERSION}: answer 500 to requests carrying this {@code X-Api-Version}: a bug
 *       only the new version of a caller reaches</li>
 *   <li>{@code BROKEN_WITH}: the name of a feature flag (another setting, such as {@code LEGACY_BILLING});
 *       when that flag is on ({@code on}, {@code true} or {@code 1}) in this instance, every ordinary
 *       request is answered 500 (from the {@code ERROR_AFTER_REQUESTS} onset): a bug in a code path only
 *       some customers' configuration takes</li>
 * </ul>
 * Paths: {@code /health} and {@code /ready} (never faulty), {@code /slow?ms=N}, {@code /status/NNN},
 * {@code /download?bytes=N} (streamed), {@code /upload} (counts the body), {@code /echo} (the request
 * as text); any other path says hello. Every response carries {@code X-Version} and {@code X-Instance}.
 */
public final class SampleService {
    private final Map<String, String> settings;
    private final String version;
    private final String service;
    private String instance;
    private final double errorRate;
    private final long latencyMillis;
    private final long errorAfterMillis;
    private final long errorAfterRequests;
    private final AtomicLong ordinary = new AtomicLong();
    private final List<URI> calls;
    private final String apiVersion;
    private final String failOnApiVersion;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final boolean failReadiness;
    private final long startNanos = System.nanoTime();
    private final AtomicLong served = new AtomicLong();
    private HttpServer server;
    /** Requests that wait (LATENCY, CALLS, /slow, a body to read or a stream to write) run here, off the dispatcher thread. */
    private final ExecutorService waiting = Executors.newVirtualThreadPerTaskExecutor();

    public SampleService(Map<String, String> settings) {
        this.settings = settings;
        this.version = settings.getOrDefault("VERSION", "v1");
        this.service = settings.getOrDefault("SERVICE_NAME", "sample");
        String brokenWith = settings.get("BROKEN_WITH");
        boolean flagOn = brokenWith != null && List.of("on", "true", "1").contains(settings.getOrDefault(brokenWith, "").toLowerCase(java.util.Locale.ROOT));
        this.errorRate = flagOn ? 1.0 : percent(settings.getOrDefault("ERROR_RATE", "0%"));
        this.latencyMillis = millis(settings.getOrDefault("LATENCY", "0ms"));
        this.errorAfterMillis = millis(settings.getOrDefault("ERROR_AFTER", "0ms"));
        this.errorAfterRequests = Long.parseLong(settings.getOrDefault("ERROR_AFTER_REQUESTS", "0"));
        this.failReadiness = Boolean.parseBoolean(settings.getOrDefault("FAIL_READINESS", "false"));
        this.calls = Arrays.stream(settings.getOrDefault("CALLS", "").split(",")).map(String::trim).filter(x -> !x.isEmpty())
                .map(URI::create).toList();
        this.apiVersion = settings.get("API_VERSION");
        this.failOnApiVersion = settings.get("FAIL_ON_API_VERSION");
        this.instance = settings.get("INSTANCE");
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> settings = new HashMap<>(System.getenv());
        for (String a : args) {
            if (a.startsWith("--") && a.contains("=")) {
                String[] kv = a.substring(2).split("=", 2);
                settings.put(kv[0].toUpperCase().replace('-', '_'), kv[1]);
            }
        }
        if (!settings.containsKey("PORT")) {
            System.err.println("sample-service: set PORT (environment) or --port=N");
            System.exit(2);
        }
        SampleService s = new SampleService(settings);
        long startDelay = millis(settings.getOrDefault("START_DELAY", "0ms"));
        if (startDelay > 0) {
            System.out.println("sample-service: START_DELAY: listening in " + startDelay + " ms");
            pause(startDelay);
        }
        long crashAfter = millis(settings.getOrDefault("CRASH_AFTER", "0ms"));
        if (crashAfter > 0) {
            Thread.ofPlatform().daemon().start(() -> {
                pause(crashAfter);
                System.out.println("sample-service: CRASH_AFTER: dying now");
                System.out.flush();
                Runtime.getRuntime().halt(137); // like a kill -9: no shutdown hooks, sockets reset
            });
        }
        s.start();
        System.out.println("sample-service " + s.service + " " + s.version + " listening on "
                + s.server.getAddress().getHostString() + ":" + s.port());
        if (s.errorRate > 0 && s.errorAfterMillis > 0) {
            long onset = System.currentTimeMillis() + s.errorAfterMillis - s.sinceStartMillis();
            System.out.println("sample-service: ERROR_AFTER: errors begin at epoch-ms " + onset);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            s.stop();
            stopped.countDown();
        }));
        stopped.await();
    }

    public SampleService start() throws IOException {
        String host = settings.getOrDefault("HOST", "127.0.0.1");
        int port = Integer.parseInt(settings.get("PORT"));
        server = HttpServer.create(new InetSocketAddress(host, port), 1024);
        // no executor: the dispatcher thread parses each request and answers the quick ones itself, which
        // costs about a third less CPU than handing every request to another thread (measured: docs/benchmarks.md,
        // Test suite); the ones that wait are handed to virtual threads (handle)
        server.setExecutor(null);
        server.createContext("/", this::handle);
        server.start();
        if (instance == null) {
            instance = String.valueOf(port());
        }
        return this;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public long served() {
        return served.get();
    }

    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private void handle(HttpExchange ex) {
        if (answersAtOnce(ex)) {
            answer(ex);
        } else {
            waiting.execute(() -> answer(ex)); // the exchange stays open until answer closes it
        }
    }

    /** Whether the answer neither waits nor reads or writes a stream, so that the dispatcher thread may give it. */
    private boolean answersAtOnce(HttpExchange ex) {
        Headers in = ex.getRequestHeaders();
        String length = in.getFirst("Content-Length");
        if (in.containsKey("Transfer-Encoding") || (length != null && !length.equals("0"))) {
            return false;
        }
        String path = ex.getRequestURI().getPath();
        if (path.equals("/health") || path.equals("/ready")) {
            return true;
        }
        return latencyMillis == 0 && !path.equals("/slow") && !path.equals("/download") && (calls.isEmpty() || path.startsWith("/status/"));
    }

    private void answer(HttpExchange ex) {
        try (ex) {
            respondTo(ex);
        } catch (IOException | RuntimeException e) {
            // the client went away, or a bad request line such as /status/abc: nothing more to say on this exchange
        }
    }

    private void respondTo(HttpExchange ex) throws IOException {
        served.incrementAndGet();
        URI uri = ex.getRequestURI();
        String path = uri.getPath();
        Map<String, String> query = query(uri.getRawQuery());
        Headers h = ex.getResponseHeaders();
        h.set("X-Version", version);
        h.set("X-Instance", instance);
        if (path.equals("/health") || path.equals("/ready")) {
            if (failReadiness) {
                respond(ex, 503, "not ready (FAIL_READINESS)\n");
            } else {
                respond(ex, 200, "ok\n");
            }
            return;
        }
        if (latencyMillis > 0) {
            pause(latencyMillis);
        }
        String callerApi = ex.getRequestHeaders().getFirst("X-Api-Version");
        if (failOnApiVersion != null && failOnApiVersion.equals(callerApi)) {
            drain(ex.getRequestBody());
            respond(ex, 500, service + " " + version + " failed on API version " + callerApi + " (FAIL_ON_API_VERSION)\n");
            return;
        }
        if (errorRate > 0 && sinceStartMillis() >= errorAfterMillis && pastRequestOnset() && ThreadLocalRandom.current().nextDouble() < errorRate) {
            drain(ex.getRequestBody());
            respond(ex, 500, service + " " + version + " failed (ERROR_RATE)\n");
            return;
        }
        switch (path) {
            case "/slow" -> {
                pause(Long.parseLong(query.getOrDefault("ms", "1000")));
                respond(ex, 200, "slow hello from " + service + " " + version + "\n");
            }
            case "/download" -> download(ex, Long.parseLong(query.getOrDefault("bytes", "0")));
            case "/upload" -> {
                long n = drain(ex.getRequestBody());
                respond(ex, 200, "received " + n + " bytes\n");
            }
            case "/echo" -> respond(ex, 200, echo(ex));
            default -> {
                if (!calls.isEmpty() && !path.startsWith("/status/")) {
                    drain(ex.getRequestBody());
                    callDownstream(ex, callerApi);
                } else if (path.startsWith("/status/")) {
                    drain(ex.getRequestBody());
                    respond(ex, Integer.parseInt(path.substring("/status/".length())), "status from " + version + "\n");
                } else {
                    drain(ex.getRequestBody());
                    respond(ex, 200, "hello from " + service + " " + version + "\n");
                }
            }
        }
    }

    /** Calls every CALLS URL; answers 200 with what each said, or 502 naming the first that failed. */
    private void callDownstream(HttpExchange ex, String callerApi) throws IOException {
        StringBuilder body = new StringBuilder("hello from " + service + " " + version + "\n");
        String api = callerApi != null ? callerApi : apiVersion;
        for (URI u : calls) {
            HttpRequest.Builder b = HttpRequest.newBuilder(u).timeout(Duration.ofSeconds(5));
            if (api != null) {
                b.header("X-Api-Version", api);
            }
            try {
                HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() >= 500) {
                    respond(ex, 502, service + " " + version + ": " + u + " answered " + r.statusCode() + ": " + r.body().strip() + "\n");
                    return;
                }
                r.body().lines().forEach(l -> body.append("  ").append(l).append('\n'));
            } catch (IOException e) {
                respond(ex, 502, service + " " + version + ": " + u + " failed: " + e + "\n");
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                respond(ex, 503, "interrupted\n");
                return;
            }
        }
        respond(ex, 200, body.toString());
    }

    /** True once {@code ERROR_AFTER_REQUESTS} ordinary requests were answered before this one; prints the onset when it comes. */
    private boolean pastRequestOnset() {
        if (errorAfterRequests <= 0) {
            return true;
        }
        long n = ordinary.incrementAndGet();
        if (n == errorAfterRequests + 1) {
            System.out.println("sample-service: ERROR_AFTER_REQUESTS: errors begin at epoch-ms " + System.currentTimeMillis());
        }
        return n > errorAfterRequests;
    }

    private long sinceStartMillis() {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    private static String echo(HttpExchange ex) throws IOException {
        StringBuilder sb = new StringBuilder();
        sb.append(ex.getRequestMethod()).append(' ').append(ex.getRequestURI()).append('\n');
        ex.getRequestHeaders().forEach((k, vs) -> vs.forEach(v -> sb.append(k.toLowerCase()).append(": ").append(v).append('\n')));
        sb.append("body-bytes: ").append(drain(ex.getRequestBody())).append('\n');
        return sb.toString();
    }

    private static void download(HttpExchange ex, long bytes) throws IOException {
        ex.sendResponseHeaders(200, 0); // chunked
        byte[] block = new byte[64 * 1024];
        for (int i = 0; i < block.length; i++) {
            block[i] = (byte) ('a' + i % 26);
        }
        try (OutputStream out = ex.getResponseBody()) {
            long left = bytes;
            while (left > 0) {
                int n = (int) Math.min(block.length, left);
                out.write(block, 0, n);
                left -= n;
            }
        }
    }

    private static void respond(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
        if (b.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(b);
            }
        }
    }

    private static long drain(InputStream in) throws IOException {
        byte[] buf = new byte[8 * 1024];
        long total = 0;
        int n;
        while ((n = in.read(buf)) >= 0) {
            total += n;
        }
        return total;
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis); // the service's own simulated work, not a test wait
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new HashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                String[] kv = pair.split("=", 2);
                q.put(kv[0], kv.length > 1 ? kv[1] : "");
            }
        }
        return q;
    }

    static double percent(String text) {
        String t = text.trim();
        double v = Double.parseDouble(t.endsWith("%") ? t.substring(0, t.length() - 1) : t);
        return t.endsWith("%") ? v / 100.0 : v;
    }

    static long millis(String text) {
        String t = text.trim();
        if (t.endsWith("ms")) {
            return Long.parseLong(t.substring(0, t.length() - 2));
        }
        if (t.endsWith("s")) {
            return Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 1000);
        }
        return Long.parseLong(t);
    }
}
