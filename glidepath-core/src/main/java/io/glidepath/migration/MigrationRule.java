package io.glidepath.migration;

import java.util.Arrays;
import java.util.Optional;

/**
 * What the migration safety gate checks, each with why it matters while users are served and the safe
 * way. {@link #staticRule()} ones are read from the statement's text (on PostgreSQL's grammar); the
 * others come from the scratch run, which applies the migrations to a throwaway copy of the schema and
 * watches what each statement really did. Names follow squawk's where one exists, so people can look
 * them up. A release file may allow a finding with a written reason ({@code allow}), which is journaled.
 */
public enum MigrationRule {
    ADDING_VOLATILE_DEFAULT("adding-volatile-default", true,
            "a column added with a volatile default (clock_timestamp(), random(), gen_random_uuid(), nextval(), a serial type) "
                    + "rewrites the whole table under an ACCESS EXCLUSIVE lock: every read and write of the table waits until it ends",
            "add the column without a default (or with a constant one), then set the default in its own statement and fill "
                    + "existing rows in batches"),
    ADDING_REQUIRED_FIELD("adding-required-field", true,
            "a NOT NULL column without a default fails on a table that has rows, and the previous version, which does not know "
                    + "the column, can no longer insert",
            "add it nullable or with a constant default; backfill in batches; then ADD CONSTRAINT ... CHECK (col IS NOT NULL) "
                    + "NOT VALID, VALIDATE CONSTRAINT, and SET NOT NULL"),
    SETTING_NOT_NULL("setting-not-null", true,
            "SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock unless a validated CHECK (col IS NOT NULL) "
                    + "already proves it",
            "ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT c (SHARE UPDATE EXCLUSIVE: writes go on); "
                    + "then SET NOT NULL, which PostgreSQL 12+ proves from the check without a scan"),
    CONSTRAINT_MISSING_NOT_VALID("constraint-missing-not-valid", true,
            "adding a CHECK or FOREIGN KEY constraint checks every row while holding a lock that blocks writes "
                    + "(ACCESS EXCLUSIVE for a check; SHARE ROW EXCLUSIVE on both tables for a foreign key)",
            "add it NOT VALID (instant), then ALTER TABLE ... VALIDATE CONSTRAINT in a later statement, which lets reads and "
                    + "writes go on"),
    REQUIRE_CONCURRENT_INDEX_CREATION("require-concurrent-index-creation", true,
            "CREATE INDEX holds a SHARE lock for the whole build: every INSERT, UPDATE and DELETE on the table waits",
            "CREATE INDEX CONCURRENTLY, in a migration file of its own (it cannot run inside a transaction)"),
    REQUIRE_CONCURRENT_INDEX_DELETION("require-concurrent-index-deletion", true,
            "DROP INDEX takes an ACCESS EXCLUSIVE lock on the index's table: reads and writes wait, and so does everything "
                    + "queued behind it",
            "DROP INDEX CONCURRENTLY, in a migration file of its own"),
    REQUIRE_CONCURRENT_REINDEX("require-concurrent-reindex", true,
            "REINDEX blocks writes to the table (and reads that would use the index) for the whole rebuild",
            "REINDEX ... CONCURRENTLY (PostgreSQL 12+), in a migration file of its own"),
    DISALLOWED_UNIQUE_CONSTRAINT("disallowed-unique-constraint", true,
            "adding a UNIQUE or PRIMARY KEY constraint builds its index while holding an ACCESS EXCLUSIVE lock",
            "CREATE UNIQUE INDEX CONCURRENTLY first (in its own migration), then ADD CONSTRAINT ... UNIQUE USING INDEX "
                    + "(or PRIMARY KEY USING INDEX), which is instant"),
    CHANGING_COLUMN_TYPE("changing-column-type", true,
            "changing a column's type rewrites the table and its indexes under an ACCESS EXCLUSIVE lock unless the types are "
                    + "binary-coercible, and the previous version may not read the new type",
            "add a column of the new type, keep it in step with a trigger, backfill in batches, read it in the new version, "
                    + "and drop the old column in a contract migration"),
    RENAMING_COLUMN("renaming-column", true,
            "the previous version still reads and writes the column by its old name and fails the moment it is renamed",
            "expand: add the new column with a trigger that keeps both in step and backfill; the new version uses the new "
                    + "column; contract: drop the trigger and the old column"),
    RENAMING_TABLE("renaming-table", true,
            "the previous version still uses the table by its old name and fails the moment it is renamed",
            "expand: create the new table (or a view under the new name); contract: drop the old name once no previous "
                    + "version runs"),
    DROPPING_COLUMN("ban-drop-column", true,
            "the previous version still reads and writes the column and fails once it is gone",
            "drop it in a contract migration, which runs only after every previous version has stopped"),
    DROPPING_TABLE("ban-drop-table", true,
            "the previous version still uses the table and fails once it is gone",
            "drop it in a contract migration, which runs only after every previous version has stopped"),
    VACUUM_FULL("ban-vacuum-full", true,
            "VACUUM FULL rewrites the table under an ACCESS EXCLUSIVE lock: nothing reads or writes it until it ends",
            "plain VACUUM (no lock on reads or writes), or pg_repack to compact it online"),
    CLUSTER("ban-cluster", true,
            "CLUSTER rewrites the table under an ACCESS EXCLUSIVE lock: nothing reads or writes it until it ends",
            "pg_repack --order-by, which reorders online, or leave the order to autovacuum"),
    REQUIRE_LOCK_TIMEOUT("require-lock-timeout", true,
            "without lock_timeout a statement that waits for its lock makes every later query on the table queue behind it, "
                    + "for as long as the longest transaction holding the table runs (Glidepath sets the database's lockTimeout "
                    + "before each statement; this file turns it off or raises it)",
            "leave lock_timeout to Glidepath (the database's lockTimeout, retried with back-off), or set one no longer than it"),
    CONCURRENTLY_NOT_ALONE("concurrently-not-alone", true,
            "Flyway runs a migration that holds a CONCURRENTLY statement outside a transaction: if any statement fails, the "
                    + "ones before it stay applied and the migration is left failed half-way",
            "put each CONCURRENTLY statement in a migration file of its own"),
    UNREADABLE_STATEMENT("unreadable-statement", true,
            "the gate cannot read this statement on PostgreSQL's grammar, so no static rule has checked it",
            "check it by hand; the scratch run still records what it locked and whether it rewrote a table"),
    TABLE_REWRITE("table-rewrite", false,
            "the scratch run saw this statement rewrite a table that existed before (its relfilenode changed): on the real "
                    + "table that is a full copy under an ACCESS EXCLUSIVE lock, with reads and writes waiting",
            "reach the same schema without a rewrite: a new column filled in batches, a default set separately, a type "
                    + "change done as expand/contract"),
    SCAN_UNDER_LOCK("scan-under-lock", false,
            "the scratch run saw this statement read a whole existing table while it held a lock that blocks writes: on a "
                    + "large table writes wait for the whole scan",
            "split it so the scan runs under a weaker lock: NOT VALID then VALIDATE CONSTRAINT, CREATE INDEX CONCURRENTLY then "
                    + "USING INDEX, a validated CHECK before SET NOT NULL"),
    FAILS_ON_SCRATCH("fails-on-scratch", false,
            "the statement failed on a scratch copy of the schema, so it would fail (or behave differently) on the database",
            "fix the statement; the scratch database is rebuilt from the migrations the database's Flyway history lists");

    private final String id;
    private final boolean staticRule;
    private final String why;
    private final String safeWay;

    MigrationRule(String id, boolean staticRule, String why, String safeWay) {
        this.id = id;
        this.staticRule = staticRule;
        this.why = why;
        this.safeWay = safeWay;
    }

    /** The name people write in {@code allow} and read in reports, such as {@code require-concurrent-index-creation}. */
    public String id() {
        return id;
    }

    /** True when the rule reads the statement's text; false when it comes from the scratch run. */
    public boolean staticRule() {
        return staticRule;
    }

    public String why() {
        return why;
    }

    public String safeWay() {
        return safeWay;
    }

    public static Optional<MigrationRule> byId(String id) {
        return Arrays.stream(values()).filter(r -> r.id.equals(id)).findFirst();
    }
}
