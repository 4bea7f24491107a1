package io.glidepath.router.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * A gRPC call's outcome as the HTTP status the figures count it by. A call answers HTTP 200 whatever
 * happened; what happened is its {@code grpc-status} (in the trailers, or in the headers of an answer
 * without a body). The mapping is gRPC's own (grpc-gateway's, and Envoy's): the server's failures
 * (UNAVAILABLE, INTERNAL, UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED, DATA_LOSS) count as 5xx, which
 * the judge counts as errors; the caller's (INVALID_ARGUMENT, NOT_FOUND, PERMISSION_DENIED...) as 4xx,
 * as an HTTP 404 is. A call with no status at all was cut short: 502.
 */
final class GrpcStatus {
    private static final int[] HTTP = {
        200, // 0 OK
        499, // 1 CANCELLED (the client gave up)
        500, // 2 UNKNOWN
        400, // 3 INVALID_ARGUMENT
        504, // 4 DEADLINE_EXCEEDED
        404, // 5 NOT_FOUND
        409, // 6 ALREADY_EXISTS
        403, // 7 PERMISSION_DENIED
        429, // 8 RESOURCE_EXHAUSTED
        400, // 9 FAILED_PRECONDITION
        409, // 10 ABORTED
        400, // 11 OUT_OF_RANGE
        501, // 12 UNIMPLEMENTED
        500, // 13 INTERNAL
        503, // 14 UNAVAILABLE
        500, // 15 DATA_LOSS
        401, // 16 UNAUTHENTICATED
    };

    static final String HEADER = "grpc-status";
    /** What a call that ended without any grpc-status counts as. */
    static final int NO_STATUS = 502;

    private GrpcStatus() {
    }

    /** A gRPC call's answer (content-type application/grpc, +proto and the like). */
    static boolean isGrpc(HttpHeaders h) {
        String type = h.get(HttpHeaderNames.CONTENT_TYPE);
        return type != null && type.regionMatches(true, 0, "application/grpc", 0, 16);
    }

    /**
     * The status to count: {@code httpStatus} when {@code h} holds no grpc-status (or the HTTP status is not
     * 200: a proxy or the server failed before gRPC answered), else the gRPC status's HTTP equivalent.
     */
    static int asHttp(int httpStatus, HttpHeaders h) {
        String s = h.get(HEADER);
        if (s == null || httpStatus != 200) {
            return httpStatus;
        }
        try {
            int code = Integer.parseInt(s.trim());
            return code >= 0 && code < HTTP.length ? HTTP[code] : 500; // unknown codes are UNKNOWN
        } catch (NumberFormatException e) {
            return 500;
        }
    }
}
