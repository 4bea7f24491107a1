package io.glidepath.server.access;

import java.time.Instant;

/**
 * One API call that changes something (or tried to): who (the token's name, and the person the
 * client says it acts for), what, on what, and how it ended (HTTP status and a short result).
 */
public record AuditEntry(Instant at, String token, String user, String action, String target, int status, String result, String remote) {
}
