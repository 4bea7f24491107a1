package io.glidepath.journal;

/** How a release (or one service of it) ended. */
public enum Outcome {
    /** The new versions serve all traffic. */
    PROMOTED,
    /** Something failed or someone aborted; the previous versions serve all traffic again. */
    ROLLED_BACK,
    /** Every service already ran the asked version: nothing was done. */
    UNCHANGED,
    /**
     * The release could not be rolled back: some service could not be put back on its previous
     * version (a restarted server found none of its instances alive), and the route was left as it was.
     */
    FAILED,
    /**
     * A fleet's failure budget was exceeded with {@code then: keep}: the release stopped; customers it
     * updated keep the new version, those that failed are back on their previous one, the rest were
     * not started.
     */
    STOPPED,
    /** The release never started: aborted (or its server stopped) while it waited in the queue. Nothing was deployed. */
    CANCELLED
}
