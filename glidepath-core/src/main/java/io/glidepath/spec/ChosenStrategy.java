package io.glidepath.spec;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code strategy: auto} became for one service when its release was submitted: blue-green, or
 * a canary through {@code weights} (basis points, growing) with a {@code bake} after each; the risk
 * {@code level} and {@code probability} it was chosen for, and {@code why} in words. Journaled with the
 * release ({@code strategy} event), so that a restarted server runs the same steps.
 */
public record ChosenStrategy(Strategy strategy, List<Integer> weights, Duration bake, String level, double probability, String why) {

    public ChosenStrategy {
        weights = List.copyOf(weights);
        if (strategy == Strategy.AUTO) {
            throw new IllegalArgumentException("auto is what is being chosen, not a choice");
        }
        if (strategy == Strategy.CANARY && weights.isEmpty()) {
            throw new IllegalArgumentException("a canary needs at least one weight");
        }
    }

    /** The steps the release file would have named: each weight, then its bake. */
    public List<Step> steps() {
        List<Step> out = new ArrayList<>();
        for (int w : weights) {
            out.add(new Step.Weight(w));
            out.add(new Step.Bake(bake));
        }
        return out;
    }

    /** The service with this strategy and its steps in place of {@code auto}. */
    public ServiceSpec applyTo(ServiceSpec s) {
        return s.withStrategy(strategy, strategy == Strategy.CANARY ? steps() : List.of());
    }

    /** "blue-green", or "canary 5% / 25% / 50% with 2m bakes". */
    public String describe() {
        if (strategy == Strategy.BLUE_GREEN) {
            return "blue-green";
        }
        return "canary " + String.join(" / ", weights.stream().map(ChosenStrategy::percent).toList()) + " with " + Durations.format(bake) + " bakes";
    }

    static String percent(int basisPoints) {
        return (basisPoints % 100 == 0 ? String.valueOf(basisPoints / 100) : String.valueOf(basisPoints / 100.0)) + "%";
    }
}
