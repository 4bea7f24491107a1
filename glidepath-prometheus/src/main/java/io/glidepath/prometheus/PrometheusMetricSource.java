package io.glidepath.prometheus;

import io.glidepath.analysis.MetricQuery;
import io.glidepath.analysis.MetricSource;
import io.glidepath.analysis.MetricTarget;
import io.glidepath.analysis.MetricsUnavailableException;
import io.glidepath.analysis.TrackFigures;
import io.glidepath.analysis.TrafficWindow;
import io.glidepath.prometheus.Answers.QueryFailed;
import io.glidepath.prometheus.Answers.Sample;
import io.glidepath.spec.Durations;
import io.glidepath.spec.PrometheusSpec;
import io.glidepath.spec.QueryTemplates;
import io.glidepath.time.Clock;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One service's figures from Prometheus: each window, an instant query ({@code /api/v1/query} at the
 * engine's now) per figure per track, all at once, with the release file's PromQL and its placeholders
 * filled. Counts (requests, errors, slow requests) are the sum of what the query returns, rounded
 * ({@code increase()} extrapolates); latency (seconds) and the service's own figures must come back as
 * one series. Anything that leaves a figure unknown (Prometheus down or slow, an HTTP or PromQL error,
 * no series, NaN) makes the whole window unavailable, with a message naming the figure, the track and
 * the query; the judge then gives no verdict for the window instead of a pass.
 */
public final class PrometheusMetricSource implements MetricSource {
    /** How much longer than the timeout a window waits for the last answers' bodies before it gives up on them. */
    private static final Duration GRACE = Duration.ofMillis(250);
    private static final int SHOWN_QUERY_CHARS = 200;

    private final PrometheusSpec queries;
    private final Map<String, String> metricQueries;
    private final PrometheusEndpoint endpoint;
    private final HttpClient http;
    private final Clock clock;

    /**
     * {@code queries} from the release file, {@code metricQueries} the service's own figures by name
     * ({@code metric} rules), asked of Prometheus at {@code endpoint} (the file's URL or the server's).
     */
    public PrometheusMetricSource(PrometheusSpec queries, Map<String, String> metricQueries, PrometheusEndpoint endpoint, HttpClient http, Clock clock) {
        this.queries = queries;
        this.metricQueries = Map.copyOf(metricQueries);
        this.endpoint = endpoint;
        this.http = http;
        this.clock = clock;
    }

    /** What one query reads: a figure of one track, and how its answer becomes a number. */
    private record Figure(String track, String what, Kind kind, String promql) {
        String label() {
            return track + " " + what;
        }
    }

    private enum Kind { COUNT, ONE }

    @Override
    public TrafficWindow window(MetricTarget target, MetricQuery query) throws MetricsUnavailableException {
        if (target.shadow()) {
            // release files refuse this combination; a window asked for anyway must not pass for the canary's own
            throw new MetricsUnavailableException("the copies mirrored to the canary are counted by the router only, not in Prometheus", null);
        }
        Instant at = clock.now();
        Map<String, List<Figure>> byTrack = new LinkedHashMap<>();
        target.stableVersion().ifPresent(v -> byTrack.put("stable", figures(target.service(), "stable", v, query)));
        target.canaryVersion().ifPresent(v -> byTrack.put("canary", figures(target.service(), "canary", v, query)));
        List<Figure> all = byTrack.values().stream().flatMap(List::stream).toList();
        Map<Figure, Double> values = run(all, at);
        return new TrafficWindow(query.window(),
                byTrack.containsKey("stable") ? track(byTrack.get("stable"), values, query) : TrackFigures.none(),
                byTrack.containsKey("canary") ? track(byTrack.get("canary"), values, query) : TrackFigures.none());
    }

    /** The queries of one track: requests, errors, then what the judge asked for that the file has a query for. */
    private List<Figure> figures(String service, String track, String version, MetricQuery query) {
        Map<String, String> values = Map.of("service", service, "track", track, "version", version, "window", QueryTemplates.window(query.window()));
        List<Figure> out = new ArrayList<>();
        out.add(new Figure(track, "requests", Kind.COUNT, QueryTemplates.expand(queries.requests(), values)));
        out.add(new Figure(track, "errors", Kind.COUNT, QueryTemplates.expand(queries.errors(), values)));
        queries.latency().ifPresent(l -> query.percentiles().stream().sorted().forEach(p -> out.add(new Figure(track, "latency p" + trim(p), Kind.ONE,
                QueryTemplates.expand(l, with(values, QueryTemplates.QUANTILE, QueryTemplates.quantile(p)))))));
        queries.slowerThan().ifPresent(s -> query.slowerThan().stream().sorted().forEach(d -> out.add(new Figure(track,
                "requests slower than " + Durations.format(d), Kind.COUNT, QueryTemplates.expand(s, with(values, QueryTemplates.SECONDS, QueryTemplates.seconds(d)))))));
        query.metrics().stream().sorted().filter(metricQueries::containsKey).forEach(m -> out.add(new Figure(track, m, Kind.ONE,
                QueryTemplates.expand(metricQueries.get(m), values))));
        return out;
    }

    private TrackFigures track(List<Figure> figures, Map<Figure, Double> values, MetricQuery query) throws MetricsUnavailableException {
        long requests = Math.round(values.get(figures.get(0)));
        long errors = Math.min(requests, Math.round(values.get(figures.get(1)))); // each extrapolated on its own: never more than all
        Map<Double, Double> latency = new HashMap<>();
        Map<Duration, Long> slower = new HashMap<>();
        Map<String, Double> metrics = new HashMap<>();
        int i = 2;
        if (queries.latency().isPresent()) {
            for (double p : query.percentiles().stream().sorted().toList()) {
                Figure f = figures.get(i++);
                double seconds = values.get(f);
                if (Double.isNaN(seconds) && requests == 0) {
                    continue; // no request, no latency: the judge sees the track's zero requests
                }
                latency.put(p, check(f, seconds) * 1000);
            }
        }
        if (queries.slowerThan().isPresent()) {
            for (Duration d : query.slowerThan().stream().sorted().toList()) {
                slower.put(d, Math.min(requests, Math.round(values.get(figures.get(i++)))));
            }
        }
        for (; i < figures.size(); i++) {
            Figure f = figures.get(i);
            metrics.put(f.what(), check(f, values.get(f)));
        }
        return new TrackFigures(requests, errors, latency, slower, metrics);
    }

    private double check(Figure f, double v) throws MetricsUnavailableException {
        if (!Double.isFinite(v)) {
            throw unavailable(f, "returned " + (Double.isNaN(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf")
                    + (f.what().startsWith("latency") ? " (a histogram with no requests in the window, or no le=\"+Inf\" bucket)" : ""));
        }
        return v;
    }

    /** Sends every query at once and waits for all of them, at most the timeout; any that failed makes the window unavailable. */
    private Map<Figure, Double> run(List<Figure> figures, Instant at) throws MetricsUnavailableException {
        List<CompletableFuture<HttpResponse<byte[]>>> sent = new ArrayList<>();
        for (Figure f : figures) {
            sent.add(http.sendAsync(request(f.promql(), at), HttpResponse.BodyHandlers.ofByteArray()));
        }
        try {
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(queries.timeout().plus(GRACE).toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MetricsUnavailableException("interrupted while reading Prometheus", e);
        } catch (ExecutionException | TimeoutException e) {
            // each query's own outcome is read below
        } finally {
            sent.forEach(f -> f.cancel(true));
        }
        Map<Figure, Double> values = new LinkedHashMap<>();
        MetricsUnavailableException first = null;
        int failed = 0;
        for (int i = 0; i < figures.size(); i++) {
            Figure f = figures.get(i);
            try {
                values.put(f, value(f, sent.get(i)));
            } catch (MetricsUnavailableException e) {
                failed++;
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw failed == 1 ? first : new MetricsUnavailableException(first.getMessage() + " (and " + (failed - 1) + " more of this window's "
                    + figures.size() + " queries failed)", first.getCause());
        }
        return values;
    }

    private HttpRequest request(String promql, Instant at) {
        String form = "query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)
                + "&time=" + at.getEpochSecond() + "." + String.format("%03d", at.getNano() / 1_000_000)
                + "&timeout=" + Durations.format(queries.timeout());
        HttpRequest.Builder b = HttpRequest.newBuilder(endpoint.queryUri()).timeout(queries.timeout())
                .header("Content-Type", "application/x-www-form-urlencoded").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(form));
        endpoint.authorization().ifPresent(a -> b.header("Authorization", a));
        return b.build();
    }

    /** One query's number, or why there is none. */
    private double value(Figure f, CompletableFuture<HttpResponse<byte[]>> answer) throws MetricsUnavailableException {
        HttpResponse<byte[]> r;
        try {
            r = answer.getNow(null);
            if (r == null) {
                throw unavailable(f, "did not answer within " + Durations.format(queries.timeout()));
            }
        } catch (CancellationException e) {
            throw unavailable(f, "did not answer within " + Durations.format(queries.timeout()));
        } catch (java.util.concurrent.CompletionException e) {
            throw unavailable(f, why(e.getCause(), queries.timeout()));
        }
        List<Sample> samples;
        try {
            samples = Answers.parse(r.statusCode(), r.body());
        } catch (QueryFailed e) {
            throw unavailable(f, e.getMessage());
        }
        if (samples.isEmpty()) {
            throw unavailable(f, "returned no series: nothing matched (is the target scraped, and do the labels match?); where a series may not "
                    + "exist yet, such as errors before the first one, end the query with 'or vector(0)'");
        }
        if (f.kind() == Kind.ONE && samples.size() > 1) {
            throw unavailable(f, "returned " + samples.size() + " series (" + String.join(", ", samples.stream().limit(3)
                    .map(s -> s.labels().toString()).toList()) + (samples.size() > 3 ? ", ..." : "") + ") where one was expected: "
                    + "aggregate them in the query, such as with sum by (le) (...) or max(...)");
        }
        double sum = 0;
        for (Sample s : samples) {
            sum += s.value();
        }
        if (f.kind() == Kind.COUNT && (Double.isNaN(sum) || Double.isInfinite(sum) || sum < -0.5)) {
            throw unavailable(f, "returned " + (Double.isNaN(sum) ? "NaN" : sum) + " where a count was expected");
        }
        return f.kind() == Kind.COUNT ? Math.max(0, sum) : sum;
    }

    private static String why(Throwable t, Duration timeout) {
        if (t instanceof HttpTimeoutException) {
            return "did not answer within " + Durations.format(timeout);
        }
        if (t instanceof ConnectException) {
            return "could not be reached (connection refused or no route)";
        }
        if (t instanceof IOException) {
            return "could not be read (" + (t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage()) + ")";
        }
        return "failed (" + t + ")";
    }

    private MetricsUnavailableException unavailable(Figure f, String what) {
        String q = f.promql().length() > SHOWN_QUERY_CHARS ? f.promql().substring(0, SHOWN_QUERY_CHARS) + "..." : f.promql();
        return new MetricsUnavailableException("Prometheus at " + endpoint + " " + what + " [" + f.label() + ": " + q + "]", null);
    }

    private static Map<String, String> with(Map<String, String> values, String key, String value) {
        Map<String, String> m = new HashMap<>(values);
        m.put(key, value);
        return m;
    }

    private static String trim(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }
}
