package io.glidepath.probe;

import io.glidepath.route.EndpointAddress;
import io.glidepath.spec.HttpCheck;
import java.time.Duration;
import java.util.Map;

/** Readiness and smoke checks over HTTP (and gRPC's health service), against an instance or the router's entry. */
public interface Prober {

    /** A GET that must answer 2xx or 3xx within {@code timeout}. */
    Result get(EndpointAddress target, String path, Duration timeout);

    /**
     * A call of the standard gRPC health service ({@code grpc.health.v1.Health/Check}) over h2c for
     * {@code service} ("" for the whole server), which must answer SERVING within {@code timeout}.
     */
    Result grpcHealth(EndpointAddress target, String service, Duration timeout);

    /** A smoke test; {@code headers} come on top of the check's own (Host, preview key). */
    Result check(EndpointAddress target, HttpCheck check, Map<String, String> headers);

    /** Passed or not, and in words what was seen ("200 in 3 ms", "connection refused"). */
    record Result(boolean passed, String detail) {
    }
}
