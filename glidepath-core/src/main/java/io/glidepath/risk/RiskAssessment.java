package io.glidepath.risk;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * How risky one release is: its chance of a rollback, its level, and why: the model's {@code baseline}
 * (its intercept: a plain release's log-odds) plus each factor's contribution, which add up to the
 * log-odds. {@code releases} and {@code failures} say how much history the model was fitted on.
 */
public record RiskAssessment(double probability, RiskLevel level, double baseline, List<Contribution> contributions, int releases, int failures,
                             ZoneId zone, Instant at) {

    /** Contributions smaller than this (in log-odds) are not worth a line. */
    static final double NOTABLE = 0.05;

    /** One factor's share: its value, its coefficient, and their product in log-odds. */
    public record Contribution(Factor factor, double value, double coefficient, double logOdds, String words) {
        /** "3 rollbacks of payments in its last 10 releases (2 analysis, 1 smoke test): +1.5". */
        public String sentence() {
            return words + ": " + signed(logOdds);
        }
    }

    public RiskAssessment {
        contributions = List.copyOf(contributions);
    }

    static RiskAssessment of(RiskModel model, List<History.Observation> observed, ZoneId zone, Instant at) {
        double[] x = observed.stream().mapToDouble(History.Observation::value).toArray();
        List<Contribution> parts = observed.stream().map(o -> {
            double c = model.coefficient(o.factor());
            return new Contribution(o.factor(), o.value(), c, c * o.value(), o.words());
        }).toList();
        double p = model.probability(x);
        return new RiskAssessment(p, RiskLevel.of(p), model.intercept(), parts, model.releases(), model.failures(), zone, at);
    }

    /** The contributions worth saying, largest first (by size, whichever their sign). */
    public List<Contribution> top(int n) {
        return contributions.stream().filter(c -> Math.abs(c.logOdds()) >= NOTABLE)
                .sorted(Comparator.comparingDouble((Contribution c) -> -Math.abs(c.logOdds()))).limit(n).toList();
    }

    /** "high (34% chance of a rollback; fitted on 37 past releases, 9 rolled back)". */
    public String headline() {
        return level.label() + " (" + percent(probability) + " chance of a rollback; " + (releases == 0 ? "the prior alone: no past release to learn from"
                : "the prior fitted on " + releases + " past release" + (releases == 1 ? "" : "s") + ", " + failures + " rolled back") + ")";
    }

    public ObjectNode json() {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("probability", round(probability, 4));
        n.put("level", level.label());
        n.putObject("levels").put("mediumFrom", RiskLevel.MEDIUM_FROM).put("highFrom", RiskLevel.HIGH_FROM);
        n.put("headline", headline());
        n.put("zone", History.label(zone));
        n.put("at", at.toString());
        n.putObject("history").put("releases", releases).put("failures", failures);
        n.put("baseline", round(baseline, 3));
        ArrayNode f = n.putArray("factors");
        for (Contribution c : contributions) {
            f.addObject().put("factor", c.factor().id()).put("value", round(c.value(), 3)).put("coefficient", round(c.coefficient(), 3))
                    .put("prior", c.factor().prior()).put("logOdds", round(c.logOdds(), 3)).put("words", c.words());
        }
        ArrayNode top = n.putArray("top");
        top(3).forEach(c -> top.add(c.sentence()));
        return n;
    }

    static String percent(double p) {
        return p < 0.01 ? "<1%" : Math.round(p * 100) + "%";
    }

    static String signed(double v) {
        return String.format(Locale.ROOT, "%+.1f", v);
    }

    private static double round(double v, int places) {
        double f = Math.pow(10, places);
        return Math.round(v * f) / f;
    }
}
