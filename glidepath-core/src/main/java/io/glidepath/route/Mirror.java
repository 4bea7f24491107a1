package io.glidepath.route;

/**
 * Shadow traffic: a copy of {@code weight} basis points of the route's requests goes to the canary
 * track's endpoints too; the copies' answers are counted apart (the shadow figures) and thrown away,
 * so the new version meets real requests before any user is served by it. GET and HEAD without a
 * body are copied, or any method, bodies up to 64 KiB included, when {@code allMethods} (for routes
 * whose writes are safe to repeat against the new version, such as one with its own database).
 */
public record Mirror(int weight, boolean allMethods) {

    public Mirror {
        if (weight < 0 || weight > RouteSpec.FULL_WEIGHT) {
            throw new IllegalArgumentException("mirror weight " + weight + " is outside 0..10000");
        }
    }

    public static Mirror none() {
        return new Mirror(0, false);
    }

    public boolean isNone() {
        return weight == 0;
    }
}
