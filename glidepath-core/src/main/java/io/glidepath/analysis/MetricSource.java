package io.glidepath.analysis;

import io.glidepath.spec.ServiceSpec;
import io.glidepath.spec.SpecError;
import java.util.List;

/** Per-track figures of a service's traffic: the embedded router's stats, or Prometheus. */
public interface MetricSource {

    /** The last {@code query.window()} of {@code target}'s traffic, stable and canary side by side. */
    TrafficWindow window(MetricTarget target, MetricQuery query) throws MetricsUnavailableException;

    /** Chooses the source of each service's figures (as its release file says); the engine asks once per deployment. */
    @FunctionalInterface
    interface Factory {
        MetricSource forService(ServiceSpec service);

        /**
         * What keeps this factory from reading {@code service}'s figures (a Prometheus named with no URL
         * anywhere), checked when a release is submitted: located errors under {@code path} (such as
         * {@code services[0]}); empty when it can read them.
         */
        default List<SpecError> problems(ServiceSpec service, String path) {
            return List.of();
        }

        /** One source for every service. */
        static Factory always(MetricSource source) {
            return service -> source;
        }
    }
}
