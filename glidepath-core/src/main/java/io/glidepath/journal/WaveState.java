package io.glidepath.journal;

/** A wave of a release's services: started, or done (every service promoted and the verify checks passed). */
public enum WaveState { STARTED, DONE }
