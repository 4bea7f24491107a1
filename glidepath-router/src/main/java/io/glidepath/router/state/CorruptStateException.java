package io.glidepath.router.state;

/** The state file exists but cannot be used; the message names it, its backup and what to do. */
public final class CorruptStateException extends Exception {
    public CorruptStateException(String message) {
        super(message);
    }
}
