package io.glidepath.route;

/**
 * How a client keeps its track as the canary weight grows. COOKIE: the router sets a random client id
 * cookie on first contact; HEADER: a request header the caller sets (a user id); NONE: every request
 * is split on its own.
 */
public record Stickiness(Mode mode, String name) {
    public static final String DEFAULT_COOKIE = "gp_client";

    public enum Mode { COOKIE, HEADER, NONE }

    public Stickiness {
        if (mode == null) {
            throw new IllegalArgumentException("stickiness mode is missing");
        }
        if (mode == Mode.COOKIE && (name == null || name.isBlank())) {
            name = DEFAULT_COOKIE;
        }
        if (mode == Mode.HEADER && (name == null || name.isBlank())) {
            throw new IllegalArgumentException("header stickiness needs a header name");
        }
        if (mode == Mode.NONE) {
            name = null;
        }
    }

    public static Stickiness cookie() {
        return new Stickiness(Mode.COOKIE, DEFAULT_COOKIE);
    }

    public static Stickiness header(String name) {
        return new Stickiness(Mode.HEADER, name);
    }

    public static Stickiness none() {
        return new Stickiness(Mode.NONE, null);
    }
}
