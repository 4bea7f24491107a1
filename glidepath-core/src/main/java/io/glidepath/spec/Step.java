package io.glidepath.spec;

import java.time.Duration;

/** One step of a canary: mirror copies to it, set the weight, bake (analysis runs) or pause until someone promotes. */
public sealed interface Step {

    /**
     * Copies of this share (basis points) of the route's requests go to the canary, whose answers are
     * judged against stable's and thrown away; no user is served by it. Only before the first weight.
     */
    record Mirror(int basisPoints) implements Step {
    }

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
