package io.glidepath.cli.plan;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.risk.Advice;
import io.glidepath.spec.ChosenStrategy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How risky a release is, as the server scored it from its history (the {@code risk} of POST
 * /v1/policy/assess or of a submission's answer; docs/risk.md): the level and chance of a rollback,
 * its largest factors in words with their share in log-odds, the advice, and what {@code strategy: auto}
 * becomes. Lines for plan and deploy.
 */
public final class RiskView {
    /** How many factors plan names. */
    static final int FACTORS = 3;

    private RiskView() {
    }

    public static List<String> lines(JsonNode risk) {
        List<String> out = new ArrayList<>();
        if (risk == null || risk.isMissingNode() || risk.isNull()) {
            return out;
        }
        out.add("risk: " + risk.path("headline").asText());
        List<JsonNode> factors = new ArrayList<>();
        risk.path("factors").forEach(factors::add);
        factors.stream().filter(f -> Math.abs(f.path("logOdds").asDouble()) >= 0.05)
                .sorted((a, b) -> Double.compare(Math.abs(b.path("logOdds").asDouble()), Math.abs(a.path("logOdds").asDouble())))
                .limit(FACTORS).forEach(f -> out.add(String.format(java.util.Locale.ROOT, "  %+.1f  %s", f.path("logOdds").asDouble(), f.path("words").asText())));
        JsonNode advice = risk.path("advice");
        if (advice.isMissingNode()) {
            return out;
        }
        out.add("advice: " + advice.path("summary").asText());
        String releaseWide = advice.path("describe").asText();
        // a fleet's customers get one line (web (80 customers): ...), in the order they come
        Map<String, String> lines = new LinkedHashMap<>();
        Map<String, Integer> customers = new LinkedHashMap<>();
        for (JsonNode s : advice.path("services")) {
            String name = s.path("service").asText();
            String service = name.contains(".") ? name.substring(0, name.indexOf('.')) : name;
            String text;
            if (s.path("auto").asBoolean()) {
                text = "strategy auto becomes " + s.path("describe").asText();
            } else if (!s.path("describe").asText().equals(releaseWide)) {
                // the service's own history asks for more than the release's level
                String why = s.path("why").asText();
                int own = why.indexOf("; its analysis");
                text = s.path("describe").asText() + " advised" + (own < 0 ? "" : " (" + why.substring(own + 2) + ")");
            } else {
                continue;
            }
            String key = service + "\n" + text;
            lines.putIfAbsent(key, name.contains(".") ? service : name);
            customers.merge(key, name.contains(".") ? 1 : 0, Integer::sum);
        }
        lines.forEach((key, who) -> {
            int n = customers.get(key);
            out.add("  " + who + (n > 0 ? " (" + n + " customer" + (n == 1 ? "" : "s") + ")" : "") + ": " + key.substring(key.indexOf('\n') + 1));
        });
        return out;
    }

    /** When the server could not score it: why, in one line. */
    public static String unknown(String why) {
        return "risk: unknown (" + why + "; the score is read from the server's release history)";
    }

    /** What {@code strategy: auto} becomes, by service, as the server chose it. */
    public static Map<String, ChosenStrategy> chosen(JsonNode risk) {
        Map<String, ChosenStrategy> out = new LinkedHashMap<>();
        for (JsonNode s : risk.path("advice").path("services")) {
            if (s.path("auto").asBoolean()) {
                out.put(s.path("service").asText(), Advice.read(s));
            }
        }
        return out;
    }
}
