package io.glidepath.migration;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What one migration statement did on the scratch database: each table lock it took (mode and table),
 * the existing tables it rewrote (their relfilenode changed) and read whole (a sequential scan) while a
 * lock blocking writes was held, how long ACCESS EXCLUSIVE was held from this statement to its
 * migration's commit, and its error when it failed.
 */
public record StatementRun(MigrationPhase phase, String file, int line, String statement, List<TableLock> locks, List<String> rewrote,
                           List<String> scannedUnderLock, Duration accessExclusiveHeld, Duration took, Optional<String> error) {

    public StatementRun {
        locks = List.copyOf(locks);
        rewrote = List.copyOf(rewrote);
        scannedUnderLock = List.copyOf(scannedUnderLock);
    }

    public record TableLock(LockMode mode, String table) {
        @Override
        public String toString() {
            return mode.words() + " on " + table;
        }
    }

    public Optional<LockMode> strongest() {
        return locks.stream().map(TableLock::mode).max(Enum::compareTo);
    }

    /** {@code db/expand/V5__sku.sql:3  took SHARE on orders, rewrote nothing, 2 ms} */
    public String describe() {
        StringBuilder b = new StringBuilder(file + ":" + line + "  " + statement + "  ");
        b.append(locks.isEmpty() ? "no table lock" : "took " + String.join(", ", locks.stream().map(TableLock::toString).toList()));
        if (!rewrote.isEmpty()) {
            b.append("; rewrote ").append(String.join(", ", rewrote));
        }
        if (!scannedUnderLock.isEmpty()) {
            b.append("; read all of ").append(String.join(", ", scannedUnderLock));
        }
        if (!accessExclusiveHeld.isZero()) {
            b.append("; ACCESS EXCLUSIVE held ").append(accessExclusiveHeld.toMillis()).append(" ms");
        }
        error.ifPresent(e -> b.append("; FAILED: ").append(e));
        return b.toString();
    }
}
