package io.glidepath.server;

import io.glidepath.analysis.MetricSource;
import io.glidepath.analysis.MetricsUnavailableException;
import io.glidepath.spec.ServiceSpec;
import io.glidepath.spec.SpecError;
import java.util.List;

/**
 * Figures when traffic goes through a Gateway API implementation: Glidepath's router carries none of
 * it, so only Prometheus can judge a canary. A release whose analysis names no Prometheus queries is
 * refused when it is submitted, with the place to add them; a release resumed after a restart that
 * still has none gets "no figures" (inconclusive) rather than a silent pass.
 */
final class GatewayFigures {
    static final MetricSource NONE = (target, query) -> {
        throw new MetricsUnavailableException("traffic goes through the Gateway API, which gives Glidepath no figures of its own: "
                + "name Prometheus queries in analysis.metrics.prometheus", null);
    };

    private GatewayFigures() {
    }

    static MetricSource.Factory factory() {
        return new MetricSource.Factory() {
            @Override
            public MetricSource forService(ServiceSpec service) {
                return NONE;
            }

            @Override
            public List<SpecError> problems(ServiceSpec service, String path) {
                return List.of(new SpecError(service.location(), path + ".analysis.metrics.prometheus", "is required: this server moves traffic "
                        + "through the Gateway API, where only Prometheus has the canary's figures; add prometheus with requests and errors "
                        + "queries (docs/spec.md#prometheus, docs/kubernetes.md#gateway-api)"));
            }
        };
    }
}
