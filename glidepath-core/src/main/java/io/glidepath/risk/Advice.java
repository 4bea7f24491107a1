package io.glidepath.risk;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.glidepath.journal.RollbackCause;
import io.glidepath.spec.ChosenStrategy;
import io.glidepath.spec.Durations;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.spec.ServiceSpec;
import io.glidepath.spec.Strategy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What the history says fits a release of this risk: for the release, the level's strategy (low:
 * blue-green is fine; medium: canary 10% / 50% with 1-minute bakes; high: canary 5% / 25% / 50% with
 * 2-minute bakes, and an approval); for each service, the same, except that a service whose analysis
 * caught regressions before gets at least the medium canary (it shows a regression to a tenth of the
 * users before all of them). {@code strategy: auto} becomes the service's.
 */
public record Advice(RiskLevel level, ChosenStrategy release, boolean approval, String summary, Map<String, ServiceAdvice> services) {

    /** Canary weights (basis points) and bake per level. */
    static final List<Integer> MEDIUM_WEIGHTS = List.of(1000, 5000);
    static final Duration MEDIUM_BAKE = Duration.ofMinutes(1);
    static final List<Integer> HIGH_WEIGHTS = List.of(500, 2500, 5000);
    static final Duration HIGH_BAKE = Duration.ofMinutes(2);

    /** One service's advice; {@code auto} when its file says {@code strategy: auto}, so the choice is what it will run. */
    public record ServiceAdvice(String service, ChosenStrategy choice, boolean auto) {
    }

    public Advice {
        services = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(services));
    }

    /**
     * Advice for {@code spec} at the risk {@code a} says, from {@code history} (what each service's
     * analysis caught before), knowing which services run now ({@code running}: the others are first releases).
     */
    public static Advice of(RiskAssessment a, ReleaseSpec spec, History history, Set<String> running) {
        String level = a.level().label();
        String because = a.top(2).stream().map(RiskAssessment.Contribution::sentence).collect(Collectors.joining("; "));
        String headline = "risk " + level + " (" + RiskAssessment.percent(a.probability()) + ")" + (because.isEmpty() ? "" : ": " + because);
        ChosenStrategy forRelease = choice(a.level(), a, headline);
        Map<String, ServiceAdvice> out = new LinkedHashMap<>();
        for (ServiceSpec s : spec.services()) {
            String service = s.fleetMember().map(m -> m.service()).orElse(s.name());
            int caught = history.rollbacksOf(service, a.at(), Integer.MAX_VALUE).getOrDefault(RollbackCause.ANALYSIS, 0);
            List<String> why = new ArrayList<>(List.of(headline));
            RiskLevel used = a.level();
            if (caught > 0) {
                // a canary shows a regression to a tenth of the users before all of them: at least the medium one
                why.add("its analysis caught " + caught + " regression" + (caught == 1 ? "" : "s") + " of " + service + " before, so a canary, "
                        + "which shows one to a tenth of the users first");
                used = used == RiskLevel.LOW ? RiskLevel.MEDIUM : used;
            } else if (used == RiskLevel.LOW) {
                why.add("blue-green is fine");
            }
            if (!running.contains(s.name())) {
                why.add("nothing of " + s.name() + " runs yet: a first release takes all traffic at once, whatever the strategy");
            }
            out.put(s.name(), new ServiceAdvice(s.name(), choice(used, a, String.join("; ", why)), s.strategy() == Strategy.AUTO));
        }
        boolean approval = a.level() == RiskLevel.HIGH;
        String summary = level + ": " + (a.level() == RiskLevel.LOW ? "blue-green is fine" : forRelease.describe()) + (approval ? ", and an approval" : "");
        return new Advice(a.level(), forRelease, approval, summary, out);
    }

    private static ChosenStrategy choice(RiskLevel level, RiskAssessment a, String why) {
        return switch (level) {
            case LOW -> new ChosenStrategy(Strategy.BLUE_GREEN, List.of(), Duration.ZERO, a.level().label(), a.probability(), why);
            case MEDIUM -> new ChosenStrategy(Strategy.CANARY, MEDIUM_WEIGHTS, MEDIUM_BAKE, a.level().label(), a.probability(), why);
            case HIGH -> new ChosenStrategy(Strategy.CANARY, HIGH_WEIGHTS, HIGH_BAKE, a.level().label(), a.probability(), why);
        };
    }

    /** What {@code strategy: auto} becomes, by deployment name (only the services whose file says auto). */
    public Map<String, ChosenStrategy> chosen() {
        Map<String, ChosenStrategy> out = new LinkedHashMap<>();
        services.values().stream().filter(ServiceAdvice::auto).forEach(s -> out.put(s.service(), s.choice()));
        return out;
    }

    public ObjectNode json() {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("level", level.label());
        n.put("summary", summary);
        write(n, release);
        n.put("approval", approval);
        ArrayNode a = n.putArray("services");
        for (ServiceAdvice s : services.values()) {
            ObjectNode o = a.addObject().put("service", s.service()).put("auto", s.auto());
            write(o, s.choice());
            o.put("level", s.choice().level()).put("probability", s.choice().probability()).put("why", s.choice().why());
        }
        return n;
    }

    /** strategy, steps (as a release file writes them), describe. */
    static void write(ObjectNode n, ChosenStrategy c) {
        n.put("strategy", c.strategy().id());
        ArrayNode steps = n.putArray("steps");
        for (int w : c.weights()) {
            if (w % 100 == 0) {
                steps.addObject().put("weight", w / 100);
            } else {
                steps.addObject().put("weight", w / 100.0);
            }
            steps.addObject().put("bake", Durations.format(c.bake()));
        }
        n.put("describe", c.describe());
    }

    /** The form the CLI reads back (deploy shows the steps auto chose). */
    public static ChosenStrategy read(com.fasterxml.jackson.databind.JsonNode n) {
        Strategy s = Strategy.fromId(n.path("strategy").asText()).orElseThrow(() -> new IllegalArgumentException("no strategy in " + n));
        List<Integer> weights = new ArrayList<>();
        Duration bake = Duration.ZERO;
        for (com.fasterxml.jackson.databind.JsonNode step : n.path("steps")) {
            if (step.has("weight")) {
                weights.add((int) Math.round(step.path("weight").asDouble() * 100));
            } else if (step.has("bake")) {
                bake = Durations.parse(step.path("bake").asText()).orElseThrow();
            }
        }
        return new ChosenStrategy(s, weights, bake, n.path("level").asText(""), n.path("probability").asDouble(), n.path("why").asText(""));
    }
}
