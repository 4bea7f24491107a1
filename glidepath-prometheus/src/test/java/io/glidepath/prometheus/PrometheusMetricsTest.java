package io.glidepath.prometheus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.glidepath.analysis.MetricQuery;
import io.glidepath.analysis.MetricSource;
import io.glidepath.analysis.MetricTarget;
import io.glidepath.analysis.MetricsUnavailableException;
import io.glidepath.analysis.TrafficWindow;
import io.glidepath.spec.ReleaseReader;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.spec.ServiceSpec;
import io.glidepath.spec.SpecError;
import io.glidepath.time.Clock;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which source each service gets, and which releases a server cannot carry out for want of a Prometheus URL. */
class PrometheusMetricsTest {
    static final MetricSource ROUTER = (target, query) -> new TrafficWindow(query.window(), io.glidepath.analysis.TrackFigures.none(),
            io.glidepath.analysis.TrackFigures.none());

    static ReleaseSpec release() throws Exception {
        return ReleaseReader.read("r.yaml", """
                services:
                  - name: catalog
                    version: 2.0.0
                    run: {command: [catalog]}
                    route: {pathPrefix: /catalog}
                  - name: pricing
                    version: 2.0.0
                    run: {command: [pricing]}
                    route: {pathPrefix: /pricing}
                    analysis:
                      interval: 5s
                      metrics:
                        prometheus:
                          requests: 'sum(increase(r{track="{{track}}"}[{{window}}]))'
                          errors: 'sum(increase(e{track="{{track}}"}[{{window}}]))'
                  - name: stock
                    version: 2.0.0
                    run: {command: [stock]}
                    route: {pathPrefix: /stock}
                    analysis:
                      interval: 5s
                      metrics:
                        prometheus:
                          url: http://127.0.0.1:9090
                          requests: 'sum(increase(r{track="{{track}}"}[{{window}}]))'
                          errors: 'sum(increase(e{track="{{track}}"}[{{window}}]))'
                """);
    }

    static ServiceSpec service(String name) throws Exception {
        return release().service(name).orElseThrow();
    }

    @Test
    void servicesWithoutQueriesKeepTheRoutersFigures() throws Exception {
        PrometheusMetrics m = new PrometheusMetrics(Optional.empty(), MetricSource.Factory.always(ROUTER), Clock.system());
        assertThat(m.forService(service("catalog"))).isSameAs(ROUTER);
        assertThat(m.forService(service("stock"))).isInstanceOf(PrometheusMetricSource.class);
    }

    @Test
    void aFileWithoutAUrlNeedsTheServersOrIsRefusedWhereItsQueriesStand() throws Exception {
        PrometheusMetrics without = new PrometheusMetrics(Optional.empty(), MetricSource.Factory.always(ROUTER), Clock.system());
        assertThat(without.problems(service("pricing"), "services[1]")).extracting(SpecError::toString).containsExactly(
                "r.yaml:14:11: services[1].analysis.metrics.prometheus.url: is not set, and this server was started without --prometheus: name "
                        + "Prometheus here (url: http://HOST:9090), or start the server with --prometheus URL");
        assertThat(without.problems(service("stock"), "services[2]")).isEmpty();
        assertThat(without.problems(service("catalog"), "services[0]")).isEmpty();
        PrometheusMetrics with = new PrometheusMetrics(Optional.of(URI.create("http://127.0.0.1:9090")), MetricSource.Factory.always(ROUTER),
                Clock.system());
        assertThat(with.problems(service("pricing"), "services[1]")).isEmpty();
        assertThat(with.forService(service("pricing"))).isInstanceOf(PrometheusMetricSource.class);
    }

    @Test
    void aResumedReleaseWithNoPrometheusLeftGetsNoFiguresAndSaysWhy() throws Exception {
        MetricSource s = new PrometheusMetrics(Optional.empty(), MetricSource.Factory.always(ROUTER), Clock.system()).forService(service("pricing"));
        assertThat(catchThrowableOfType(MetricsUnavailableException.class, () -> s.window(MetricTarget.of("pricing"),
                MetricQuery.of(Duration.ofSeconds(5), Set.of())))).hasMessageContaining("the server was started without --prometheus");
    }
}
