package io.glidepath.cli.server;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/** A label selector as kubectl takes one with {@code -l}, equality only: {@code key=value,key=value}. */
final class LabelSelector {
    /** An optional DNS-subdomain prefix and a name; values: up to 63 of [A-Za-z0-9._-], alphanumeric at both ends. */
    private static final Pattern KEY = Pattern.compile("([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
    private static final Pattern VALUE = Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?");

    private LabelSelector() {
    }

    static Map<String, String> parse(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String part : text.split(",", -1)) {
            int eq = part.indexOf('=');
            String key = eq < 0 ? part.strip() : part.substring(0, eq).strip();
            String value = eq < 0 ? null : part.substring(eq + 1).strip();
            if (value == null || !KEY.matcher(key).matches() || !VALUE.matcher(value).matches() || value.startsWith("=")) {
                throw new IllegalArgumentException("must be labels as key=value separated by commas, such as "
                        + "app.kubernetes.io/name=glidepath,app.kubernetes.io/component=router; \"" + part + "\" is not one");
            }
            if (out.put(key, value) != null) {
                throw new IllegalArgumentException("names label " + key + " twice");
            }
        }
        return out;
    }
}
