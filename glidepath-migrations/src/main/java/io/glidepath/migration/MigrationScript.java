package io.glidepath.migration;

import java.nio.file.Path;
import java.util.List;

/**
 * One Flyway SQL migration ({@code V<version>__<description>.sql}) of a database's expand or contract
 * folder, split into statements the way Flyway will run them. {@code file} is how people see it: its
 * path relative to the release file, such as {@code db/expand/V5__sku_index.sql}.
 */
record MigrationScript(MigrationPhase phase, String version, String description, String file, Path path, List<Statement> statements) {

    MigrationScript {
        statements = List.copyOf(statements);
    }

    /** A statement as Flyway splits it: the line of its first token, its text, and whether it can run in a transaction. */
    record Statement(int line, String sql, boolean transactional) {
    }

    /** Flyway runs a migration in one transaction unless one of its statements cannot run in one. */
    boolean transactional() {
        return statements.stream().allMatch(Statement::transactional);
    }

    /** The script name as Flyway's history records it (its path inside the location). */
    String script() {
        return path.getFileName().toString();
    }
}
