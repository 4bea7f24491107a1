package io.glidepath.spec;

import java.time.Duration;

/** One step of a canary: set the weight, bake (analysis runs) or pause until someone promotes. */
public sealed interface Step {

    /** Canary weight in basis points (2500 = 25%). */
    record Weight(int basisPoints) implements Step {
    }

    /** Hold the current weight while analysis runs. */
    record Bake(Duration duration) implements Step {
    }

    /** Hold until {@code glidepath promote}; analysis keeps running. */
    record ManualPause() implements Step {
    }
}
