package io.glidepath.spec;

/**
 * One thing wrong with a release file: where (file:line:column), which field (a path such as
 * {@code services[0].readiness.interval}), what is wrong and what to do.
 */
public record SpecError(Location location, String path, String message) {

    /** {@code release.yaml:14:9: services[0].readiness.interval: "5x" is not a duration; ...} */
    @Override
    public String toString() {
        return location + ": " + (path.isEmpty() ? "" : path + ": ") + message;
    }
}
