package io.glidepath.migration;

import java.util.Arrays;
import java.util.Optional;

/**
 * PostgreSQL's table-level lock modes, weakest first, as pg_locks names them. What matters to users
 * being served is which of their statements a migration's lock makes wait: plain reads take
 * ACCESS SHARE, writes ROW EXCLUSIVE.
 */
public enum LockMode {
    ACCESS_SHARE("AccessShareLock"),
    ROW_SHARE("RowShareLock"),
    ROW_EXCLUSIVE("RowExclusiveLock"),
    SHARE_UPDATE_EXCLUSIVE("ShareUpdateExclusiveLock"),
    SHARE("ShareLock"),
    SHARE_ROW_EXCLUSIVE("ShareRowExclusiveLock"),
    EXCLUSIVE("ExclusiveLock"),
    ACCESS_EXCLUSIVE("AccessExclusiveLock");

    private final String pgName;

    LockMode(String pgName) {
        this.pgName = pgName;
    }

    /** The mode as pg_locks.mode shows it, such as {@code AccessExclusiveLock}. */
    public String pgName() {
        return pgName;
    }

    /** SHARE UPDATE EXCLUSIVE, as people write it in SQL and docs. */
    public String words() {
        return name().replace('_', ' ');
    }

    /** True when INSERT, UPDATE and DELETE on the table wait while this lock is held (SHARE and stronger). */
    public boolean blocksWrites() {
        return compareTo(SHARE) >= 0;
    }

    /** True when plain SELECTs wait too (only ACCESS EXCLUSIVE). */
    public boolean blocksReads() {
        return this == ACCESS_EXCLUSIVE;
    }

    /** What users feel while it is held, in words. */
    public String effect() {
        return blocksReads() ? "blocks reads and writes" : blocksWrites() ? "blocks writes" : "reads and writes go on";
    }

    public static Optional<LockMode> ofPgName(String mode) {
        return Arrays.stream(values()).filter(m -> m.pgName.equals(mode)).findFirst();
    }

    public LockMode max(LockMode other) {
        return other == null || compareTo(other) >= 0 ? this : other;
    }
}
