package io.glidepath.engine;

/** A release was submitted under an id the store already has; nothing else holds anything. */
public final class ReleaseExistsException extends Exception {
    public ReleaseExistsException(String message) {
        super(message);
    }
}
