package io.glidepath.migration;

import io.glidepath.spec.DatabaseSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The engine's seam to a release's databases: the safety gate, expand and contract migrations (Flyway,
 * which keeps each database's history), and who is still connected. {@code baseDir} is the release
 * file's folder, which migration folders are relative to. Implemented on PostgreSQL in
 * glidepath-migrations; {@link #none()} is for engines that deploy no database.
 */
public interface Migrations {

    /** What the gate found: every finding (allowed ones carry their reason), and what it checked, in words. */
    record Gate(List<Finding> findings, String checked) {
        public Gate {
            findings = List.copyOf(findings);
        }

        public boolean blocks() {
            return findings.stream().anyMatch(Finding::blocks);
        }
    }

    /** One migration applied: its file (relative to the release file), version, and how long it took. */
    record Applied(String file, String version, long millis) {
    }

    /** What a migration run tells while it goes: a migration starting, one applied, a retry after a lock timeout. */
    interface Progress {
        void starting(String file);

        void applied(Applied migration);

        void retrying(String file, String why, long inMillis, int attempt, int of);
    }

    /** The static rules and the scratch run on the database's pending migrations. */
    Gate gate(DatabaseSpec db, Path baseDir) throws MigrationSetupException;

    /** Applies the pending expand migrations, each statement under the database's lock and statement timeouts. */
    List<Applied> expand(DatabaseSpec db, Path baseDir, Progress progress) throws MigrationSetupException;

    /** The contract migrations the database has not applied yet (their files). */
    List<String> pendingContract(DatabaseSpec db, Path baseDir) throws MigrationSetupException;

    /** Applies the pending contract migrations. */
    List<Applied> contract(DatabaseSpec db, Path baseDir, Progress progress) throws MigrationSetupException;

    /** How many sessions are connected to the database with one of these {@code application_name}s. */
    int sessions(DatabaseSpec db, Set<String> applicationNames) throws MigrationSetupException;

    /** The application_name Glidepath gives a version's instances (PGAPPNAME and {{applicationName}}): at most 63 characters. */
    static String applicationName(String service, String version) {
        String name = "glidepath:" + service + ":" + version;
        return name.length() <= 63 ? name : name.substring(0, 63);
    }

    /** For engines with no database to migrate: every call says so. */
    static Migrations none() {
        return new Migrations() {
            private MigrationSetupException none(DatabaseSpec db) {
                return new MigrationSetupException("database '" + db.name() + "' (" + db.location() + "): this engine was set up without "
                        + "database access, so it cannot run migrations");
            }

            @Override
            public Gate gate(DatabaseSpec db, Path baseDir) throws MigrationSetupException {
                throw none(db);
            }

            @Override
            public List<Applied> expand(DatabaseSpec db, Path baseDir, Progress progress) throws MigrationSetupException {
                throw none(db);
            }

            @Override
            public List<String> pendingContract(DatabaseSpec db, Path baseDir) throws MigrationSetupException {
                throw none(db);
            }

            @Override
            public List<Applied> contract(DatabaseSpec db, Path baseDir, Progress progress) throws MigrationSetupException {
                throw none(db);
            }

            @Override
            public int sessions(DatabaseSpec db, Set<String> applicationNames) throws MigrationSetupException {
                throw none(db);
            }
        };
    }
}
