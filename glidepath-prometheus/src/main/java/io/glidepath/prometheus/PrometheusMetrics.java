package io.glidepath.prometheus;

import io.glidepath.analysis.MetricSource;
import io.glidepath.analysis.MetricsUnavailableException;
import io.glidepath.spec.Analysis;
import io.glidepath.spec.PrometheusSpec;
import io.glidepath.spec.ServiceSpec;
import io.glidepath.spec.SpecError;
import io.glidepath.time.Clock;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Chooses each service's source of figures: Prometheus for a service whose release file names its
 * queries (at the file's URL, else the server's {@code --prometheus}), {@code otherwise} (the router's)
 * for the rest. One HTTP client serves every service.
 */
public final class PrometheusMetrics implements MetricSource.Factory {
    private final Optional<URI> serverUrl;
    private final MetricSource.Factory otherwise;
    private final Clock clock;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).followRedirects(HttpClient.Redirect.NEVER).build();

    /** {@code serverUrl}: the Prometheus release files may leave out (it may carry credentials, which never show). */
    public PrometheusMetrics(Optional<URI> serverUrl, MetricSource.Factory otherwise, Clock clock) {
        this.serverUrl = serverUrl;
        this.otherwise = otherwise;
        this.clock = clock;
    }

    @Override
    public MetricSource forService(ServiceSpec service) {
        Optional<PrometheusSpec> p = service.analysis().prometheus();
        if (p.isEmpty()) {
            return otherwise.forService(service);
        }
        Optional<URI> url = p.get().url().or(() -> serverUrl);
        if (url.isEmpty()) {
            // refused at submission; a release a restarted server resumes may still get here
            return (target, query) -> {
                throw new MetricsUnavailableException("no Prometheus to ask: the release file names none and the server was started without "
                        + "--prometheus", null);
            };
        }
        Map<String, String> metrics = new LinkedHashMap<>();
        for (Analysis.Rule r : service.analysis().rules()) {
            if (r instanceof Analysis.Rule.Metric m) {
                metrics.put(m.name(), m.query());
            }
        }
        return new PrometheusMetricSource(p.get(), metrics, PrometheusEndpoint.of(url.get()), http, clock);
    }

    @Override
    public List<SpecError> problems(ServiceSpec service, String path) {
        Optional<PrometheusSpec> p = service.analysis().prometheus();
        if (p.isEmpty()) {
            return otherwise.problems(service, path); // the other source's own conditions
        }
        if (p.isPresent() && p.get().url().isEmpty() && serverUrl.isEmpty()) {
            return List.of(new SpecError(p.get().location(), path + ".analysis.metrics.prometheus.url", "is not set, and this server was started "
                    + "without --prometheus: name Prometheus here (url: http://HOST:9090), or start the server with --prometheus URL"));
        }
        return List.of();
    }
}
