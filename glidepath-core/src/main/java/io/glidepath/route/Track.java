package io.glidepath.route;

import java.util.Locale;
import java.util.Optional;

/** The three sets of endpoints a route holds. Preview is reachable only with the route's preview key. */
public enum Track {
    STABLE, CANARY, PREVIEW;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Track> fromId(String id) {
        for (Track t : values()) {
            if (t.id().equalsIgnoreCase(id)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
