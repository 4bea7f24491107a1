package io.glidepath.engine;

/** A release touches a service another release holds; the message names that release. */
public final class ServiceBusyException extends Exception {
    private final String holder;

    public ServiceBusyException(String message, String holder) {
        super(message);
        this.holder = holder;
    }

    public String holder() {
        return holder;
    }
}
