package io.glidepath.journal;

/** A wave of a release's services: started, or done (every service promoted and the verify checks passed). */
public enum WaveState {
    STARTED,
    /** A fleet's ring waits at its manual gate for {@code glidepath promote}. */
    GATED,
    /** The wait after a fleet's ring before the next one. */
    BAKING,
    DONE
}
