package io.glidepath.spec;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Placeholders in {@code run.command}, {@code run.env} and {@code run.workdir}: {@code {{port}}}
 * (the port the platform chose for the instance), {@code {{instance}}} (its id), {@code {{version}}},
 * {@code {{service}}}, {@code {{router}}} (host:port where traffic enters the router: services call
 * each other through it, so a backend's canary gets internal traffic by the same split),
 * {@code {{applicationName}}} (the PostgreSQL application_name of the version's sessions, by which a
 * contract migration knows when no previous version is connected) and {@code {{env.NAME}}} (the
 * platform's own environment).
 */
public final class Templates {
    public static final Set<String> NAMES = Set.of("port", "instance", "version", "service", "router", "applicationName");
    static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([^{}]*?)\\s*}}");
    private static final Pattern ENV = Pattern.compile("env\\.[A-Za-z_][A-Za-z0-9_]*");

    private Templates() {
    }

    /** What is wrong with the placeholders of {@code text}, one message each (empty when fine). */
    public static List<String> problems(String text) {
        List<String> problems = new ArrayList<>();
        Matcher m = PLACEHOLDER.matcher(text);
        int end = 0;
        while (m.find()) {
            String name = m.group(1);
            if (!NAMES.contains(name) && !ENV.matcher(name).matches()) {
                String hint = Suggestions.closest(name, NAMES).map(s -> "did you mean {{" + s + "}}?")
                        .orElse("known ones are {{port}}, {{instance}}, {{version}}, {{service}}, {{router}}, {{applicationName}} and {{env.NAME}}");
                problems.add("unknown placeholder {{" + name + "}}: " + hint);
            }
            end = m.end();
        }
        String rest = text.substring(end);
        if (rest.contains("{{") || rest.contains("}}")) {
            problems.add("a placeholder is not closed: write it as {{port}}");
        }
        return problems;
    }

    /** Replaces every placeholder; {@code values} holds port, instance, version, service; env comes from {@code env}. */
    public static String expand(String text, Map<String, String> values, Function<String, Optional<String>> env) {
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            String value = name.startsWith("env.") ? env.apply(name.substring(4)).orElse("") : values.get(name);
            if (value == null) {
                throw new IllegalArgumentException("no value for {{" + name + "}}");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }
}
