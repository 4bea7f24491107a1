package io.glidepath.spec;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** A smoke test (or, later, a release-level verify check): one request and what its answer must be. */
public record HttpCheck(String name, String method, String path, Map<String, String> headers, Optional<String> body,
                        int expectStatus, Optional<String> bodyContains, Duration timeout) {

    public HttpCheck {
        headers = Map.copyOf(headers);
    }
}
