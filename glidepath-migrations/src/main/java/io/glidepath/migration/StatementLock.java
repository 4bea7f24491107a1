package io.glidepath.migration;

import java.util.Optional;

/**
 * What one migration statement does to locks, for {@code validate} and {@code plan}: the strongest
 * table lock its kind takes by PostgreSQL's documentation ({@code expected}; empty for statements that
 * lock no existing table, such as SET or CREATE TABLE), on which table, and whether it runs outside a
 * transaction. The scratch run records what really happened.
 */
public record StatementLock(MigrationPhase phase, String file, int line, String statement, Optional<LockMode> expected, Optional<String> table,
                            boolean transactional) {

    /** {@code db/expand/V5__sku.sql:3  CREATE INDEX CONCURRENTLY ...  SHARE UPDATE EXCLUSIVE on orders (reads and writes go on)} */
    public String describe() {
        String lock = expected.map(m -> m.words() + table.map(t -> " on " + t).orElse("") + " (" + m.effect() + ")")
                .orElse("no lock on existing tables");
        return file + ":" + line + "  " + statement + "  " + lock + (transactional ? "" : ", outside a transaction");
    }
}
