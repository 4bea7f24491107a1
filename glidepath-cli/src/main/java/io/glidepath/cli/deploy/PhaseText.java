package io.glidepath.cli.deploy;

import java.util.Locale;

/** A service's phase in a release as people read it: "waiting", "shifting", "promoted", "rolled back". */
public final class PhaseText {
    private PhaseText() {
    }

    public static String of(String phase) {
        return switch (phase) {
            case "PENDING" -> "waiting";
            case "SMOKE_TESTED" -> "smoke-tested";
            case "PROMOTED" -> "watching";
            case "DONE" -> "promoted";
            default -> phase.toLowerCase(Locale.ROOT).replace('_', ' ');
        };
    }
}
