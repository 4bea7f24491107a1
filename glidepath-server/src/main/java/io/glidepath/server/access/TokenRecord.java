package io.glidepath.server.access;

import java.time.Instant;
import java.util.Optional;

/** A named token as stored: its SHA-256 digest (hex), never the token itself. */
public record TokenRecord(String name, Role role, String digest, Instant created, String createdBy, Optional<Instant> revoked) {
    public boolean active() {
        return revoked.isEmpty();
    }
}
