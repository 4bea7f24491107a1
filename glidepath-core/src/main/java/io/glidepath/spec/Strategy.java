package io.glidepath.spec;

import java.util.Optional;

/** How traffic moves to the new version. */
public enum Strategy {
    /** All at once, in one router update, after the new version is proven through the preview route. */
    BLUE_GREEN("blueGreen"),
    /** In steps of weight, with analysis during each bake. */
    CANARY("canary");

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
