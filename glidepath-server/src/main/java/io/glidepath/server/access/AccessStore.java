package io.glidepath.server.access;

import java.time.Instant;
import java.util.List;

/** Where named tokens and the audit log are kept (the server's store). */
public interface AccessStore {

    /** Adds a token; false when the name is taken (revoked names stay taken, so the audit log stays unambiguous). */
    boolean createToken(TokenRecord token);

    /** Every token, revoked ones included, oldest first. */
    List<TokenRecord> tokens();

    /** Marks a token revoked; false when there is no active token by that name. */
    boolean revokeToken(String name, Instant at);

    void appendAudit(AuditEntry entry);

    /** Newest first. */
    List<AuditEntry> audit(int limit);
}
