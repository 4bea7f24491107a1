package io.glidepath.cli.deploy;

import io.glidepath.report.Words;

/** A service's phase in a release as people read it: "waiting", "shifting", "promoted", "rolled back" ({@link Words#phase}). */
public final class PhaseText {
    private PhaseText() {
    }

    public static String of(String phase) {
        return Words.phase(phase);
    }
}
