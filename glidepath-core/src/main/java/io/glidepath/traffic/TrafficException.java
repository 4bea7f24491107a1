package io.glidepath.traffic;

/** The router refused or could not be reached; the message says which and why. */
public final class TrafficException extends Exception {
    public TrafficException(String message, Throwable cause) {
        super(message, cause);
    }
}
