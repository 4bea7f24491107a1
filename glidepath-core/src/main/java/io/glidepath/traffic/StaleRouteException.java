package io.glidepath.traffic;

/** Someone changed the route since the generation the change was computed from. */
public final class StaleRouteException extends Exception {
    public StaleRouteException(String message) {
        super(message);
    }
}
