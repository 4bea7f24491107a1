package io.glidepath.cli.plan;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.glidepath.cli.validate.SpecText;
import io.glidepath.journal.EventJson;
import io.glidepath.spec.Durations;
import io.glidepath.spec.FleetMember;
import io.glidepath.spec.FleetSpec;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.spec.ServiceSpec;
import io.glidepath.spec.Wave;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The fleet parts of a plan: each fleet's customers, shared settings and failure budget, each ring
 * as a wave (its customers with only the settings they override, so that 80 customers stay one
 * line each), and in JSON every customer's whole effective configuration with where each value
 * came from.
 */
final class FleetPlanView {
    private FleetPlanView() {
    }

    /** A fleet's head: customers, rings, what every customer deploys, the budget, and the shared settings with where they were written. */
    static void fleetText(StringBuilder out, FleetSpec f, ServiceSpec anyCustomer) {
        int n = f.customers().size();
        out.append("\nfleet ").append(f.service()).append(": ").append(SpecText.count(n, "customer")).append(" in ")
                .append(SpecText.count(f.rings().size(), "ring")).append(f.file().map(file -> ", from " + file).orElse(""))
                .append(", each ").append(anyCustomer.version()).append("  ").append(SpecText.strategy(anyCustomer))
                .append("  waits ").append(Durations.format(anyCustomer.configuredWaits())).append('\n');
        out.append("  failure budget: ").append(f.budget().describe(n)).append('\n');
        out.append("  shared by every customer unless its line below overrides it:\n");
        List<FleetSpec.Setting> shared = shared(f);
        int width = shared.stream().mapToInt(s -> s.field().length()).max().orElse(0);
        for (FleetSpec.Setting s : shared) {
            out.append("    ").append(pad(s.field(), width)).append(" = ").append(s.value()).append("  (").append(s.from()).append(")\n");
        }
    }

    /** A ring's wave head: "wave 2, ring early of web: 2 customers, 1 at a time, then bake 2m". */
    static String ringHead(int number, Wave w) {
        List<String> fleets = fleetsOf(w);
        long customers = w.services().stream().filter(s -> s.fleetMember().isPresent()).count();
        String parallel = w.services().size() == 1 ? "" : w.maxParallel() <= 0 || w.maxParallel() >= w.services().size() ? ", all at once"
                : w.maxParallel() == 1 ? ", 1 at a time" : ", at most " + w.maxParallel() + " at once";
        return "wave " + number + ", ring " + w.ring().orElseThrow() + " of " + String.join(" and ", fleets) + ": "
                + SpecText.count((int) customers, "customer") + parallel
                + (w.gate() ? ", waits for glidepath promote (manual gate)" : "")
                + (w.bakeAfter().isZero() ? "" : ", then bake " + Durations.format(w.bakeAfter()));
    }

    /** A customer's line: its deployment name, what it would change, and each setting it overrides with where. */
    static String customerLine(ServiceSpec s, FleetSpec f, int nameWidth, String change) {
        FleetSpec.Customer c = f.customer(s.fleetMember().orElseThrow().customer()).orElseThrow();
        List<String> overrides = effective(f, c).stream().filter(FleetSpec.Setting::overridden)
                .map(x -> x.field() + " = " + x.value() + " (" + x.from() + ")").toList();
        String line = "  " + pad(s.name(), nameWidth) + "  " + (change.isEmpty() ? "" : change + "  ")
                + (overrides.isEmpty() ? "every setting shared" : String.join(", ", overrides));
        return line.stripTrailing();
    }

    /** The last line of a ring: the settings its customers' lines do not show are the fleet's shared ones. */
    static String sharedLine(Wave w) {
        return "  other settings of these customers: shared (fleet " + String.join(" and ", fleetsOf(w)) + " above)";
    }

    /**
     * A service's dependencies for a person: a fleet whose every customer it waits for reads "web (8 customers)",
     * not eight names (or eighty).
     */
    static List<String> dependencies(ServiceSpec s, ReleaseSpec release) {
        List<String> out = new ArrayList<>();
        List<String> deps = s.dependsOn();
        for (String d : deps) {
            Optional<FleetMember> m = release.service(d).flatMap(ServiceSpec::fleetMember);
            if (m.isEmpty()) {
                out.add(d);
                continue;
            }
            FleetSpec f = release.fleet(m.get().service()).orElseThrow();
            List<String> all = f.customers().stream().map(c -> FleetSpec.deploymentName(f.service(), c.name())).toList();
            if (deps.containsAll(all)) {
                String whole = f.service() + " (" + SpecText.count(all.size(), "customer") + ")";
                if (!out.contains(whole)) {
                    out.add(whole);
                }
            } else {
                out.add(d);
            }
        }
        return out;
    }

    /** Every fleet in JSON: customers with their whole effective configuration, rings, budget, shared settings. */
    static ArrayNode json(ReleaseSpec release, List<Wave> waves) {
        ArrayNode fleets = EventJson.MAPPER.createArrayNode();
        for (FleetSpec f : release.fleets()) {
            int n = f.customers().size();
            ObjectNode o = fleets.addObject();
            o.put("service", f.service());
            f.file().ifPresent(file -> o.put("file", file));
            o.put("location", f.location().toString());
            o.put("customers", n);
            o.put("maxParallel", f.maxParallel());
            ObjectNode budget = o.putObject("failureBudget");
            budget.put("max", f.budget().max());
            f.budget().share().ifPresent(s -> budget.put("share", s));
            budget.put("allowed", f.budget().allowed(n));
            budget.put("then", f.budget().then().name().toLowerCase(java.util.Locale.ROOT));
            budget.put("text", f.budget().describe(n));
            settings(o.putArray("shared"), shared(f));
            ArrayNode rings = o.putArray("rings");
            for (FleetSpec.Ring r : f.rings()) {
                ObjectNode ro = rings.addObject();
                ro.put("name", r.name());
                for (int w = 0; w < waves.size(); w++) {
                    if (waves.get(w).services().stream().anyMatch(s -> s.fleetMember().map(m -> m.service().equals(f.service())
                            && m.ringName().equals(r.name())).orElse(false))) {
                        Wave wave = waves.get(w);
                        ro.put("wave", w + 1);
                        ro.put("maxParallel", wave.maxParallel());
                        ro.put("gate", wave.gate());
                        ro.put("bakeAfter", Durations.format(wave.bakeAfter()));
                        ro.put("bakeAfterMillis", wave.bakeAfter().toMillis());
                    }
                }
                r.customers().forEach(ro.putArray("customers")::add);
            }
            ArrayNode customers = o.putArray("customerSettings");
            for (FleetSpec.Customer c : f.customers()) {
                ObjectNode co = customers.addObject();
                co.put("name", c.name());
                co.put("deployment", FleetSpec.deploymentName(f.service(), c.name()));
                co.put("ring", f.rings().get(f.ringOf(c.name())).name());
                co.put("location", c.location().toString());
                settings(co.putArray("settings"), effective(f, c));
            }
        }
        return fleets;
    }

    /** A ring wave's settings in JSON (only on the waves that are rings: a release without fleets reads as before). */
    static void waveJson(ObjectNode wave, Wave w) {
        w.ring().ifPresent(r -> {
            wave.put("ring", r);
            wave.put("maxParallel", w.maxParallel());
            wave.put("gate", w.gate());
            wave.put("bakeAfter", Durations.format(w.bakeAfter()));
            wave.put("bakeAfterMillis", w.bakeAfter().toMillis());
        });
    }

    private static void settings(ArrayNode into, List<FleetSpec.Setting> settings) {
        for (FleetSpec.Setting s : settings) {
            ObjectNode o = into.addObject().put("field", s.field()).put("value", s.value()).put("overridden", s.overridden());
            o.put("from", s.from() == null ? null : s.from().toString());
        }
    }

    /** The service's own settings, as a customer that overrides nothing has them. */
    static List<FleetSpec.Setting> shared(FleetSpec f) {
        FleetSpec.Customer none = new FleetSpec.Customer("", Optional.empty(), Optional.empty(), Map.of(), Optional.empty(), Optional.empty(),
                Optional.empty(), Map.of(), f.location());
        return effective(f, none);
    }

    /**
     * A customer's effective configuration in a stable order: the model keeps env in an unordered map
     * (its order changes from one run to the next), so env settings go by name here.
     */
    static List<FleetSpec.Setting> effective(FleetSpec f, FleetSpec.Customer c) {
        List<FleetSpec.Setting> all = f.effective(c);
        List<FleetSpec.Setting> out = new ArrayList<>(all.stream().filter(s -> !s.field().startsWith("run.env.")).toList());
        all.stream().filter(s -> s.field().startsWith("run.env.")).sorted(java.util.Comparator.comparing(FleetSpec.Setting::field)).forEach(out::add);
        return out;
    }

    static List<String> fleetsOf(Wave w) {
        return w.services().stream().flatMap(s -> s.fleetMember().stream()).map(FleetMember::service).distinct().toList();
    }

    private static String pad(String s, int width) {
        return s + " ".repeat(Math.max(0, width - s.length()));
    }
}
