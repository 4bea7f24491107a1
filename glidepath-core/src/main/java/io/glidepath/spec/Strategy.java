package io.glidepath.spec;

import java.util.Optional;

/** How traffic moves to the new version. */
public enum Strategy {
    /** All at once, in one router update, after the new version is proven through the preview route. */
    BLUE_GREEN("blueGreen"),
    /** In steps of weight, with analysis during each bake. */
    CANARY("canary"),
    /**
     * Chosen by the server when the release is submitted, from the release's risk (docs/risk.md): blue-green
     * or a canary with its steps and bakes. The engine only ever runs a release whose choices were made
     * ({@link ReleaseSpec#withChosenStrategies}).
     */
    AUTO("auto");

    private final String id;

    Strategy(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static Optional<Strategy> fromId(String id) {
        for (Strategy s : values()) {
            if (s.id.equals(id)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}
