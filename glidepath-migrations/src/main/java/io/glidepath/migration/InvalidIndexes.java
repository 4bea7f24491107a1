package io.glidepath.migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.apache.shardingsphere.sql.parser.autogen.PostgreSQLStatementParser;

/**
 * A CREATE INDEX CONCURRENTLY that fails (or whose session dies) leaves an invalid index behind
 * (pg_index.indisvalid = false): it slows every write and makes the retry fail with "already exists".
 * Glidepath drops such an index, and only one that the failed migration itself creates, before a retry.
 */
final class InvalidIndexes {
    private InvalidIndexes() {
    }

    /** The indexes a migration's CREATE INDEX CONCURRENTLY statements create, by name as PostgreSQL folds it. */
    static List<String> createdBy(MigrationScript script) {
        List<String> out = new ArrayList<>();
        for (MigrationScript.Statement s : script.statements()) {
            PgStatement pg = PgStatement.parse(s.sql());
            pg.statement().filter(PostgreSQLStatementParser.CreateIndexContext.class::isInstance)
                    .map(PostgreSQLStatementParser.CreateIndexContext.class::cast)
                    .filter(ci -> ci.indexName() != null)
                    .ifPresent(ci -> out.add(PgStatement.identifier(ci.indexName().getText())));
        }
        return out;
    }

    /** Drops {@code index} (CONCURRENTLY) when it exists and is invalid; true when it did. */
    static boolean dropIfInvalid(DatabaseAccess access, String index) throws MigrationSetupException {
        try (Connection c = access.connect("glidepath-migrations");
             PreparedStatement q = c.prepareStatement("SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_index i "
                     + "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
                     + "WHERE c.relname = ? AND NOT i.indisvalid AND pg_table_is_visible(c.oid)")) {
            q.setString(1, index);
            String qualified;
            try (ResultSet rs = q.executeQuery()) {
                if (!rs.next()) {
                    return false;
                }
                qualified = rs.getString(1);
            }
            try (Statement st = c.createStatement()) {
                st.execute("DROP INDEX CONCURRENTLY IF EXISTS " + qualified);
            }
            return true;
        } catch (SQLException e) {
            throw new MigrationSetupException("database '" + access.db().name() + "': could not drop the invalid index " + index
                    + " a failed CREATE INDEX CONCURRENTLY left: " + e.getMessage(), e);
        }
    }
}
