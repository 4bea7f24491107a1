package io.glidepath.cli.plan;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** What runs of a service now, as the server reports it: its current version, how many instances of it, and which release holds it. */
public record RunningService(String name, String version, int instances, Optional<String> heldBy) {

    /** From the server's {@code GET /v1/services} answer, by name. */
    public static Map<String, RunningService> fromServices(JsonNode services) {
        Map<String, RunningService> out = new LinkedHashMap<>();
        for (JsonNode s : services) {
            String version = s.path("currentVersion").asText();
            int live = 0;
            for (JsonNode i : s.path("instances")) {
                live += i.path("version").asText().equals(version) ? 1 : 0;
            }
            String name = s.path("name").asText();
            out.put(name, new RunningService(name, version, live, Optional.ofNullable(s.path("heldBy").textValue())));
        }
        return out;
    }
}
