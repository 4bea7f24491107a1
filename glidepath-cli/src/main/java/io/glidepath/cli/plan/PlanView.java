package io.glidepath.cli.plan;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.glidepath.cli.validate.SpecText;
import io.glidepath.journal.EventJson;
import io.glidepath.spec.Durations;
import io.glidepath.spec.FleetSpec;
import io.glidepath.spec.HttpCheck;
import io.glidepath.spec.ReleasePlan;
import io.glidepath.spec.ServiceSpec;
import io.glidepath.spec.Step;
import io.glidepath.spec.Wave;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A release plan shown to a person (text) or a script (JSON): waves, each service's strategy,
 * steps and configured waits, what it would change given what runs, the verify checks, the
 * critical path and the minimum duration; a fleet's rings and customers ({@link FleetPlanView}).
 *
 * @param running what runs now by service, or empty when the server could not be asked
 * @param unknownBecause why {@code running} is empty (shown to the user)
 * @param auto the services whose {@code strategy: auto} the plan shows as the server would choose it now
 */
public record PlanView(String file, ReleasePlan plan, Optional<Map<String, RunningService>> running, String unknownBecause,
                       Optional<Traffic> traffic, Set<String> auto) {

    public PlanView {
        auto = Set.copyOf(auto);
    }

    public PlanView(String file, ReleasePlan plan, Optional<Map<String, RunningService>> running, String unknownBecause, Optional<Traffic> traffic) {
        this(file, plan, running, unknownBecause, traffic, Set.of());
    }

    /** How the server moves traffic, and what that cannot do (a Gateway API mode has no sticky split, ...). */
    public record Traffic(String via, List<String> limits) {
        public static Traffic of(com.fasterxml.jackson.databind.JsonNode n) {
            List<String> limits = new java.util.ArrayList<>();
            n.path("limits").forEach(l -> limits.add(l.asText()));
            return new Traffic(n.path("via").asText(), limits);
        }
    }

    public PlanView(String file, ReleasePlan plan, Optional<Map<String, RunningService>> running, String unknownBecause) {
        this(file, plan, running, unknownBecause, Optional.empty());
    }

    public String text() {
        StringBuilder out = new StringBuilder();
        List<List<ServiceSpec>> waves = plan.waves();
        int services = waves.stream().mapToInt(List::size).sum();
        out.append("release ").append(plan.release().name().orElse("(unnamed)")).append(" from ").append(file).append(": ")
                .append(SpecText.count(services, "service")).append(" in ").append(SpecText.count(waves.size(), "wave"));
        if (plan.release().maxParallel() > 0) {
            out.append(", at most ").append(plan.release().maxParallel()).append(" at once in a wave");
        }
        out.append('\n');
        boolean fleets = !plan.release().fleets().isEmpty();
        // a fleet's customers show in their rings, not as services of their own
        List<List<ServiceSpec>> shown = waves.stream().map(w -> w.stream().filter(s -> s.fleetMember().isEmpty()).toList()).toList();
        int nameWidth = width(shown, s -> s.name());
        int versionWidth = width(shown, ServiceSpec::version);
        int strategyWidth = width(shown, this::strategy);
        int waitsWidth = width(shown, s -> Durations.format(s.configuredWaits()));
        for (FleetSpec f : plan.release().fleets()) {
            FleetPlanView.fleetText(out, f, waves.stream().flatMap(List::stream)
                    .filter(s -> s.fleetMember().map(m -> m.service().equals(f.service())).orElse(false)).findFirst().orElseThrow());
        }
        List<Wave> stages = fleets ? plan.stages() : List.of();
        int customerWidth = width(waves, s -> s.fleetMember().isPresent() ? s.name() : "");
        for (int w = 0; w < waves.size(); w++) {
            Wave stage = fleets ? stages.get(w) : null;
            out.append('\n').append(stage != null && stage.ring().isPresent() ? FleetPlanView.ringHead(w + 1, stage) : "wave " + (w + 1)).append('\n');
            for (ServiceSpec s : shown.get(w)) {
                List<String> after = FleetPlanView.dependencies(s, plan.release());
                String line = "  " + pad(s.name(), nameWidth) + "  " + pad(s.version(), versionWidth) + "  " + pad(strategy(s), strategyWidth)
                        + "  waits " + pad(Durations.format(s.configuredWaits()), waitsWidth) + (running.isPresent() ? "  " + Change.of(s, running).text(s) : "")
                        + (after.isEmpty() ? "" : "  (after " + String.join(", ", after) + ")");
                out.append(line.stripTrailing()).append('\n');
            }
            if (stage != null && stage.ring().isPresent()) {
                for (ServiceSpec s : stage.services()) {
                    s.fleetMember().ifPresent(m -> out.append(FleetPlanView.customerLine(s, plan.release().fleet(m.service()).orElseThrow(), customerWidth,
                            running.isPresent() ? Change.of(s, running).text(s) : "")).append('\n'));
                }
                out.append(FleetPlanView.sharedLine(stage)).append('\n');
            }
        }
        List<HttpCheck> verify = plan.release().verify();
        if (!verify.isEmpty()) {
            out.append("\nverify through the router after each wave:\n");
            for (HttpCheck c : verify) {
                out.append("  ").append(c.name()).append("  ").append(c.method()).append(' ').append(c.path()).append(" expects ").append(c.expectStatus())
                        .append(c.bodyContains().map(b -> ", body containing \"" + b + "\"").orElse("")).append('\n');
            }
        }
        out.append("\ncritical path: ").append(String.join(" > ", plan.criticalPath().stream()
                .map(name -> name + " " + Durations.format(plan.release().service(name).orElseThrow().configuredWaits())).toList())).append('\n');
        out.append("minimum duration: ").append(Durations.format(plan.minimumDuration()))
                .append(fleets ? " of configured waits (bakes, post-promotion watches and the bakes after rings, with each ring's customers at most"
                        + " its parallelism at once; a manual gate counts nothing); starting instances and checks add to it\n"
                        : " of configured waits (bakes and post-promotion watches); starting instances and checks add to it\n");
        traffic.ifPresent(t -> {
            out.append("traffic: through ").append(t.via()).append('\n');
            t.limits().forEach(l -> out.append("  ").append(l).append('\n'));
        });
        if (running.isEmpty()) {
            out.append("running now: unknown, ").append(unknownBecause).append('\n');
        } else {
            List<String> noOps = waves.stream().flatMap(List::stream).filter(s -> Change.of(s, running).kind() == Change.Kind.NO_OP).map(ServiceSpec::name).toList();
            out.append("no-ops: ").append(noOps.isEmpty() ? "none, every service changes" : String.join(", ", noOps) + " (already run their versions)").append('\n');
        }
        out.append("nothing was changed; deploy it with: glidepath deploy ").append(file).append('\n');
        return out.toString();
    }

    public ObjectNode json() {
        ObjectNode n = EventJson.MAPPER.createObjectNode();
        n.put("file", file);
        n.put("release", plan.release().name().orElse(null));
        n.put("maxParallel", plan.release().maxParallel());
        ArrayNode waves = n.putArray("waves");
        for (int w = 0; w < plan.waves().size(); w++) {
            ObjectNode wave = waves.addObject();
            wave.put("wave", w + 1);
            if (!plan.release().fleets().isEmpty()) {
                FleetPlanView.waveJson(wave, plan.stages().get(w));
            }
            ArrayNode services = wave.putArray("services");
            for (ServiceSpec s : plan.waves().get(w)) {
                ObjectNode o = services.addObject();
                o.put("name", s.name());
                o.put("version", s.version());
                o.put("strategy", s.strategy().id());
                if (auto.contains(s.name())) {
                    o.put("auto", true);
                }
                ArrayNode steps = o.putArray("steps");
                for (Step step : s.steps()) {
                    switch (step) {
                        case Step.Mirror m -> {
                            if (m.basisPoints() % 100 == 0) {
                                steps.addObject().put("mirror", m.basisPoints() / 100);
                            } else {
                                steps.addObject().put("mirror", m.basisPoints() / 100.0);
                            }
                        }
                        case Step.Weight x -> {
                            if (x.basisPoints() % 100 == 0) {
                                steps.addObject().put("weight", x.basisPoints() / 100);
                            } else {
                                steps.addObject().put("weight", x.basisPoints() / 100.0);
                            }
                        }
                        case Step.Bake b -> steps.addObject().put("bake", Durations.format(b.duration()));
                        case Step.ManualPause p -> steps.addObject().put("pause", "manual");
                    }
                }
                o.put("waits", Durations.format(s.configuredWaits()));
                o.put("waitsMillis", s.configuredWaits().toMillis());
                s.dependsOn().forEach(o.putArray("dependsOn")::add);
                s.fleetMember().ifPresent(m -> o.put("fleet", m.service()).put("customer", m.customer()).put("ring", m.ringName()));
                Change c = Change.of(s, running);
                o.put("change", c.kind().id());
                c.from().ifPresent(v -> o.put("from", v));
                c.heldBy().ifPresent(h -> o.put("heldBy", h));
            }
        }
        ArrayNode verify = n.putArray("verify");
        for (HttpCheck c : plan.release().verify()) {
            ObjectNode o = verify.addObject().put("name", c.name()).put("method", c.method()).put("path", c.path()).put("expectStatus", c.expectStatus());
            c.bodyContains().ifPresent(b -> o.put("bodyContains", b));
        }
        if (!plan.release().fleets().isEmpty()) {
            n.set("fleets", FleetPlanView.json(plan.release(), plan.stages()));
        }
        plan.criticalPath().forEach(n.putArray("criticalPath")::add);
        n.put("minimumDuration", Durations.format(plan.minimumDuration()));
        n.put("minimumDurationMillis", plan.minimumDuration().toMillis());
        ObjectNode now = n.putObject("running");
        now.put("known", running.isPresent());
        if (running.isEmpty()) {
            now.put("reason", unknownBecause);
        }
        traffic.ifPresent(t -> {
            ObjectNode tn = n.putObject("traffic");
            tn.put("via", t.via());
            t.limits().forEach(tn.putArray("limits")::add);
        });
        return n;
    }

    /** The service's strategy, marked when it is what auto would become. */
    private String strategy(ServiceSpec s) {
        return (auto.contains(s.name()) ? "auto: " : "") + SpecText.strategy(s);
    }

    private static int width(List<List<ServiceSpec>> waves, java.util.function.Function<ServiceSpec, String> f) {
        return waves.stream().flatMap(List::stream).map(f).mapToInt(String::length).max().orElse(0);
    }

    private static String pad(String s, int width) {
        return s + " ".repeat(Math.max(0, width - s.length()));
    }
}
