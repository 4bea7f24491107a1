package io.glidepath.server.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.configuration.FluentConfiguration;

/**
 * Brings a store's tables up to date with Flyway, from {@code db/migration/sqlite} or
 * {@code db/migration/postgresql}. Migrations are never edited once released (Flyway checks their
 * checksums): a change is a new version, in both folders.
 *
 * <p>SQLite stores made before Flyway kept their schema version in {@code PRAGMA user_version} (the
 * tables of V1 and V2, unchanged): such a store is baselined at that version, so Flyway applies only
 * what comes after it and the rows stay.
 */
final class Schema {
    private Schema() {
    }

    /** Migrates the store at {@code url}; {@code c} is an open connection to it, used to look for a pre-Flyway schema. */
    static void migrate(StoreUrl url, Connection c) throws SQLException {
        FluentConfiguration flyway = Flyway.configure(Schema.class.getClassLoader())
                .dataSource(url.url(), null, url.password().orElse(null))
                .locations(url.dialect().migrations())
                .failOnMissingLocations(true);
        int legacy = url.dialect() == Dialect.SQLITE ? preFlywayVersion(c) : 0;
        if (legacy > 0) {
            flyway.baselineOnMigrate(true).baselineVersion(Integer.toString(legacy))
                    .baselineDescription("schema made before Flyway (user_version " + legacy + ")");
        }
        try {
            flyway.load().migrate();
        } catch (FlywayException e) {
            throw new IllegalStateException("cannot bring the tables of the store " + url + " up to date: " + e.getMessage(), e);
        }
    }

    /** The {@code user_version} of a SQLite store that has no Flyway history yet (0 for a new file or one Flyway manages). */
    private static int preFlywayVersion(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'flyway_schema_history'")) {
                if (rs.next() && rs.getInt(1) > 0) {
                    return 0;
                }
            }
            try (ResultSet rs = st.executeQuery("PRAGMA user_version")) {
                return rs.next() ? rs.getInt(1) : 0;
            }
        }
    }
}
