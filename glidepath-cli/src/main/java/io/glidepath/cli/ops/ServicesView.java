package io.glidepath.cli.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.glidepath.cli.deploy.PhaseText;
import io.glidepath.journal.EventJson;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The services of {@code GET /v1/services} as {@code glidepath status} shows them. A fleet's
 * customers are services named SERVICE.CUSTOMER (no service name holds a dot), so they group under
 * their service: one line with how many customers run which version, instead of one line each.
 * Naming the service shows each of its customers; naming a customer shows that one.
 */
final class ServicesView {
    /** Customers on a version are named when there are at most this many (the odd ones out: "2 on v1: c07, c09"). */
    static final int NAMED = 5;

    private ServicesView() {
    }

    /** The fleet a service belongs to (the part before the dot), or empty for a service of its own. */
    static Optional<String> fleetOf(String name) {
        int dot = name.indexOf('.');
        return dot < 0 ? Optional.empty() : Optional.of(name.substring(0, dot));
    }

    /** The services {@code only} names: a service, a fleet (each of its customers) or one customer; all of them when null. */
    static List<JsonNode> select(JsonNode services, String only) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode s : services) {
            String name = s.path("name").asText();
            if (only == null || name.equals(only) || fleetOf(name).map(only::equals).orElse(false)) {
                out.add(s);
            }
        }
        return out;
    }

    /** The names to suggest when {@code status NAME} names nothing: services and fleets, a fleet once. */
    static List<String> names(JsonNode services) {
        List<String> out = new ArrayList<>();
        for (JsonNode s : services) {
            String name = s.path("name").asText();
            String shown = fleetOf(name).map(f -> f + " (fleet; or " + f + ".CUSTOMER)").orElse(name);
            if (!out.contains(shown)) {
                out.add(shown);
            }
        }
        return out;
    }

    /**
     * The table: a service per line; a fleet as one line with its version counts unless {@code expand}
     * (then each customer has its line, as when one fleet is asked for).
     */
    static List<String> table(List<JsonNode> services, boolean expand) {
        List<String> out = new ArrayList<>();
        out.add(String.format(Locale.ROOT, "%-16s %-12s %-12s %-22s %s", "SERVICE", "CURRENT", "PREVIOUS", "TRAFFIC", "INSTANCES"));
        Map<String, List<JsonNode>> fleets = new LinkedHashMap<>();
        for (JsonNode s : services) {
            String name = s.path("name").asText();
            Optional<String> fleet = fleetOf(name);
            if (fleet.isPresent() && !expand) {
                if (!fleets.containsKey(fleet.get())) {
                    fleets.put(fleet.get(), new ArrayList<>());
                    out.add(fleet.get()); // its place, written below
                }
                fleets.get(fleet.get()).add(s);
            } else {
                out.add(row(s));
            }
        }
        fleets.forEach((f, customers) -> out.set(out.indexOf(f), fleetLine(f, customers)));
        return out;
    }

    /** One service's (or customer's) row, as status has always shown it. */
    static String row(JsonNode s) {
        JsonNode r = s.path("route");
        String traffic = r.isMissingNode() ? "(no route)" : r.path("canary").isNull() || r.path("canary").isMissingNode()
                ? "100% " + r.path("stable").asText("-")
                : String.format(Locale.ROOT, "%s %.0f%% / %s %.0f%%", r.path("stable").asText(), 100 - r.path("canaryWeight").asInt() / 100.0,
                r.path("canary").asText(), r.path("canaryWeight").asInt() / 100.0);
        return String.format(Locale.ROOT, "%-16s %-12s %-12s %-22s %d%s", s.path("name").asText(), s.path("currentVersion").asText(),
                s.path("previousVersion").asText("-"), traffic, s.path("instances").size(),
                s.has("heldBy") ? "   deploying: " + s.path("heldBy").asText() : "");
    }

    /** "web  fleet of 80 customers: 78 on v2, 2 on v1 (c07, c09); 1 in a canary; 160 instances; deploying: rel-9". */
    static String fleetLine(String fleet, List<JsonNode> customers) {
        Map<String, List<String>> byVersion = new LinkedHashMap<>();
        int canaries = 0;
        int instances = 0;
        List<String> holders = new ArrayList<>();
        for (JsonNode c : customers) {
            byVersion.computeIfAbsent(c.path("currentVersion").asText(), v -> new ArrayList<>()).add(customer(c));
            JsonNode canary = c.path("route").path("canary");
            canaries += canary.isMissingNode() || canary.isNull() ? 0 : 1;
            instances += c.path("instances").size();
            if (c.has("heldBy") && !holders.contains(c.path("heldBy").asText())) {
                holders.add(c.path("heldBy").asText());
            }
        }
        List<Map.Entry<String, List<String>>> versions = byVersion.entrySet().stream()
                .sorted((a, b) -> b.getValue().size() - a.getValue().size()).toList();
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-16s fleet of %d customer%s: ", fleet, customers.size(),
                customers.size() == 1 ? "" : "s"));
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < versions.size(); i++) {
            Map.Entry<String, List<String>> v = versions.get(i);
            boolean oddOnesOut = i > 0 && v.getValue().size() <= NAMED;
            parts.add(v.getValue().size() + " on " + v.getKey() + (oddOnesOut ? " (" + String.join(", ", v.getValue()) + ")" : ""));
        }
        sb.append(String.join(", ", parts));
        if (canaries > 0) {
            sb.append("; ").append(canaries).append(canaries == 1 ? " in a canary" : " in canaries");
        }
        sb.append("; ").append(instances).append(instances == 1 ? " instance" : " instances");
        if (!holders.isEmpty()) {
            sb.append("; deploying: ").append(String.join(", ", holders));
        }
        return sb.toString();
    }

    /** One customer or service in detail: its row, then each instance (id, version, address, pid, where its log is). */
    static List<String> detail(JsonNode s) {
        List<String> out = new ArrayList<>(table(List.of(s), true));
        fleetOf(s.path("name").asText()).ifPresent(f -> out.add("customer " + customer(s) + " of fleet " + f));
        for (JsonNode i : s.path("instances")) {
            out.add("  instance " + i.path("id").asText() + "  " + i.path("version").asText() + "  " + i.path("address").asText()
                    + (i.has("pid") ? "  pid " + i.path("pid").asText() : "") + (i.has("log") ? "  log " + i.path("log").asText() : ""));
        }
        if (s.has("routeError")) {
            out.add("  route: " + s.path("routeError").asText());
        }
        return out;
    }

    /** Each fleet in JSON: its customers' version counts, how many are in a canary, the releases deploying them. */
    static ArrayNode fleetsJson(Iterable<JsonNode> services) {
        Map<String, List<JsonNode>> fleets = new LinkedHashMap<>();
        for (JsonNode s : services) {
            fleetOf(s.path("name").asText()).ifPresent(f -> fleets.computeIfAbsent(f, k -> new ArrayList<>()).add(s));
        }
        ArrayNode a = EventJson.MAPPER.createArrayNode();
        fleets.forEach((f, customers) -> {
            ObjectNode o = a.addObject().put("service", f).put("customers", customers.size());
            // version -> the customers on it (their names, not their deployments)
            ObjectNode versions = o.putObject("versions");
            for (JsonNode c : customers) {
                String v = c.path("currentVersion").asText();
                (versions.has(v) ? (ArrayNode) versions.get(v) : versions.putArray(v)).add(customer(c));
            }
            o.put("inCanary", customers.stream().filter(c -> c.path("route").hasNonNull("canary")).count());
            ArrayNode held = o.putArray("heldBy");
            customers.stream().filter(c -> c.has("heldBy")).map(c -> c.path("heldBy").asText()).distinct().forEach(held::add);
        });
        return a;
    }

    /**
     * A release in progress, service by service (its {@code phases}: name to wave and phase), a fleet's
     * customers counted per wave: "wave 2  web  3 customers: 1 promoted, 1 shifting, 1 waiting".
     */
    static List<String> releasePhases(JsonNode phases) {
        List<String> out = new ArrayList<>();
        Map<String, Map<String, Integer>> counts = new LinkedHashMap<>(); // "wave fleet" -> phase text -> count
        for (var it = phases.fields(); it.hasNext(); ) {
            var e = it.next();
            int wave = e.getValue().path("wave").asInt();
            String phase = PhaseText.of(e.getValue().path("phase").asText());
            Optional<String> fleet = fleetOf(e.getKey());
            if (fleet.isEmpty()) {
                out.add(String.format(Locale.ROOT, "  wave %d  %-16s %s", wave, e.getKey(), phase));
                continue;
            }
            String key = String.format(Locale.ROOT, "  wave %d  %-16s ", wave, fleet.get());
            if (!counts.containsKey(key)) {
                counts.put(key, new LinkedHashMap<>());
                out.add(key); // its place, written below
            }
            counts.get(key).merge(phase, 1, Integer::sum);
        }
        counts.forEach((key, byPhase) -> {
            int n = byPhase.values().stream().mapToInt(Integer::intValue).sum();
            out.set(out.indexOf(key), key + n + (n == 1 ? " customer: " : " customers: ")
                    + byPhase.entrySet().stream().map(x -> x.getValue() + " " + x.getKey()).collect(Collectors.joining(", ")));
        });
        return out;
    }

    private static String customer(JsonNode s) {
        String name = s.path("name").asText();
        return name.substring(name.indexOf('.') + 1);
    }
}
