package io.glidepath.cli.validate;

import io.glidepath.spec.Durations;
import io.glidepath.spec.ServiceSpec;
import io.glidepath.spec.Step;
import io.glidepath.spec.Strategy;

/** How commands show parts of a release file to a person, the same way everywhere. */
public final class SpecText {
    private SpecText() {
    }

    /** "blue-green", or "canary 20% > bake 4s > 50% > pause". */
    public static String strategy(ServiceSpec s) {
        if (s.strategy() == Strategy.BLUE_GREEN) {
            return "blue-green";
        }
        if (s.strategy() == Strategy.AUTO) {
            return "auto (the server chooses at submission)";
        }
        return "canary " + String.join(" > ", s.steps().stream().map(SpecText::step).toList());
    }

    public static String step(Step step) {
        return switch (step) {
            case Step.Mirror m -> "mirror " + weight(m.basisPoints());
            case Step.Weight w -> weight(w.basisPoints());
            case Step.Bake b -> "bake " + Durations.format(b.duration());
            case Step.ManualPause p -> "pause";
        };
    }

    /** A weight in basis points as a percentage: 2000 is "20%", 250 is "2.5%". */
    public static String weight(int basisPoints) {
        return (basisPoints % 100 == 0 ? String.valueOf(basisPoints / 100) : String.valueOf(basisPoints / 100.0)) + "%";
    }

    /** "1 instance", "2 instances". */
    public static String count(int n, String singular) {
        return n + " " + singular + (n == 1 ? "" : "s");
    }
}
