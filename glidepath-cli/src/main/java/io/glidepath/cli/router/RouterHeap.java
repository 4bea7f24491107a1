package io.glidepath.cli.router;

import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The router's heap bound, the same wherever a router starts: {@code glidepath router} through the
 * launcher, or the supervisor {@code glidepath up} starts. 1g by default (10,000 idle routes live in
 * about 40 MB; traffic adds one-second metric buckets while it lasts); {@code GLIDEPATH_ROUTER_HEAP}
 * (a -Xmx size such as 2g) changes it.
 */
public final class RouterHeap {
    public static final String VARIABLE = "GLIDEPATH_ROUTER_HEAP";
    public static final String DEFAULT = "1g";
    private static final Pattern SIZE = Pattern.compile("[1-9][0-9]*[kKmMgG]?");

    private RouterHeap() {
    }

    /** What is wrong with the environment's setting, in words for the user; empty when it is fine or unset. */
    public static Optional<String> problem(Map<String, String> env) {
        String v = env.get(VARIABLE);
        if (v == null || v.isEmpty() || SIZE.matcher(v).matches()) {
            return Optional.empty();
        }
        return Optional.of(VARIABLE + "='" + v + "' is not a heap size: use a number with k, m or g (such as 512m or 2g), or unset it for "
                + DEFAULT + ".");
    }

    /** The JVM flag for the router: -Xmx of the environment's setting, or of the default. */
    public static String flag(Map<String, String> env) {
        String v = env.get(VARIABLE);
        return "-Xmx" + (v == null || v.isEmpty() || problem(env).isPresent() ? DEFAULT : v);
    }
}
