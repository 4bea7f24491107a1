package io.glidepath.journal;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The life of one service's deployment. Every move goes through {@link #canMoveTo}; anything else
 * is a bug and throws.
 *
 * <pre>
 * PENDING -> STARTING -> READY -> SMOKE_TESTED -> SHIFTING -> PROMOTED -> DONE
 *     \_________\___________\_________\______________\____________> ROLLING_BACK -> ROLLED_BACK
 * </pre>
 * UNCHANGED: the version already runs; nothing was done. DONE can still roll back while its release
 * runs: a release is atomic, so a later service's failure flips this one back too.
 */
public enum Phase {
    PENDING, STARTING, READY, SMOKE_TESTED, SHIFTING, PROMOTED, DONE, ROLLING_BACK, ROLLED_BACK, UNCHANGED;

    private static final Map<Phase, Set<Phase>> NEXT = Map.of(
            PENDING, EnumSet.of(STARTING, ROLLING_BACK, UNCHANGED),
            STARTING, EnumSet.of(READY, ROLLING_BACK),
            READY, EnumSet.of(SMOKE_TESTED, ROLLING_BACK),
            SMOKE_TESTED, EnumSet.of(SHIFTING, PROMOTED, ROLLING_BACK),
            SHIFTING, EnumSet.of(PROMOTED, ROLLING_BACK),
            PROMOTED, EnumSet.of(DONE, ROLLING_BACK),
            ROLLING_BACK, EnumSet.of(ROLLED_BACK),
            DONE, EnumSet.of(ROLLING_BACK),
            ROLLED_BACK, EnumSet.noneOf(Phase.class),
            UNCHANGED, EnumSet.noneOf(Phase.class));

    public boolean canMoveTo(Phase next) {
        return NEXT.get(this).contains(next);
    }

    public boolean isTerminal() {
        return NEXT.get(this).isEmpty() || this == DONE;
    }
}
