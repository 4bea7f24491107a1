package io.glidepath.migration;

/** One row of a database's Flyway history: what was applied, in which order, and whether it succeeded. */
record AppliedMigration(int rank, String version, String script, String type, boolean success) {
}
