package io.glidepath.cli.plan;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * What the server's policy says of a release, from its assessment (POST /v1/policy/assess, or the
 * submit answer's {@code policy}): the deploy windows and whether each is open, the approvals it
 * waits for, the evidence checks to run, what it forbids. Lines for plan and deploy.
 */
public final class PolicyView {
    private PolicyView() {
    }

    public static List<String> lines(JsonNode a) {
        List<String> out = new ArrayList<>();
        if (a == null || a.isMissingNode() || a.isNull()) {
            return out;
        }
        String source = a.path("policy").asText("");
        if (source.isEmpty() || (a.path("windows").isEmpty() && a.path("approvals").isEmpty() && a.path("evidence").isEmpty()
                && a.path("forbidden").isEmpty())) {
            out.add("policy: " + (source.isEmpty() ? "none on this server" : "nothing in " + source + " applies to this release"));
            return out;
        }
        out.add("policy (" + source + "):");
        for (JsonNode w : a.path("windows")) {
            out.add("  window   " + w.path("name").asText() + " (no releases " + w.path("span").asText() + "): "
                    + (w.path("open").asBoolean() ? "open now, closes " + w.path("closes").asText() : "CLOSED now, opens " + w.path("opens").asText()
                    + " (an admin may override: deploy --override-window --reason ...)"));
        }
        for (JsonNode r : a.path("approvals")) {
            out.add("  approval " + r.path("describe").asText() + ": waits for someone else with the deployer role (glidepath approve), "
                    + "at most " + r.path("timeoutSeconds").asLong() / 60 + " min");
        }
        for (JsonNode e : a.path("evidence")) {
            out.add("  evidence " + e.path("check").asText() + ": " + e.path("describe").asText());
        }
        for (JsonNode f : a.path("forbidden")) {
            out.add("  REFUSED  " + f.asText());
        }
        return out;
    }
}
