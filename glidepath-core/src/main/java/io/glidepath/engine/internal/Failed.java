package io.glidepath.engine.internal;

import io.glidepath.journal.RollbackCause;

/** A failure that ends a deployment in a rollback: why, for programs ({@link #cause}), and for people (the message). */
public final class Failed extends Exception {
    private final RollbackCause cause;

    public Failed(RollbackCause cause, String reason) {
        super(reason, null, false, false);
        this.cause = cause;
    }

    public RollbackCause rollbackCause() {
        return cause;
    }

    public String reason() {
        return getMessage();
    }
}
