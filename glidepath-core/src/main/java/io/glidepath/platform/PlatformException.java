package io.glidepath.platform;

/** The platform could not do what was asked; the message says what and how to fix it. */
public final class PlatformException extends Exception {
    public PlatformException(String message, Throwable cause) {
        super(message, cause);
    }
}
