package io.glidepath.migration;

import io.glidepath.spec.DatabaseSpec;
import io.glidepath.spec.Location;
import io.glidepath.testkit.postgres.EmbeddedPostgresExtension.TestPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.flywaydb.core.Flyway;

/**
 * Databases and migration folders for the migration tests: a fresh database on the shared embedded
 * PostgreSQL (its role may create databases, as the gate's scratch run needs), with expand and
 * contract folders under a temporary release folder.
 */
final class MigrationDatabases {
    static final String PASSWORD_ENV = "TEST_DB_PASSWORD";

    private MigrationDatabases() {
    }

    /** A database spec for a fresh database, with folders {@code db/expand} and {@code db/contract} under {@code dir}. */
    static DatabaseSpec fresh(TestPostgres pg, Path dir, List<DatabaseSpec.Allowance> allow) {
        pg.superuser("ALTER ROLE " + TestPostgres.USER + " CREATEDB");
        try {
            Files.createDirectories(dir.resolve("db/expand"));
            Files.createDirectories(dir.resolve("db/contract"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new DatabaseSpec("shop", pg.newDatabaseUrl(), Optional.of(PASSWORD_ENV), Optional.of("db/expand"), Optional.of("db/contract"),
                DatabaseSpec.DEFAULT_LOCK_TIMEOUT, DatabaseSpec.DEFAULT_STATEMENT_TIMEOUT, allow, new Location("release.yaml", 3, 5));
    }

    static DatabaseAccess access(DatabaseSpec db) {
        return new DatabaseAccess(db, Map.of(PASSWORD_ENV, TestPostgres.PASSWORD));
    }

    static void write(Path dir, String file, String sql) {
        try {
            Files.writeString(dir.resolve(file), sql);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Applies the expand folder's migrations to the database with Flyway, as a release before this one did. */
    static void applyExpand(DatabaseSpec db, Path dir) {
        Flyway.configure().dataSource(db.url(), null, TestPostgres.PASSWORD)
                .locations("filesystem:" + dir.resolve("db/expand")).load().migrate();
    }
}
