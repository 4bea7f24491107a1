package io.glidepath.migration;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** Reads a database's Flyway history table ({@code flyway_schema_history} in the connection's first schema). */
final class History {
    static final String TABLE = "flyway_schema_history";

    private History() {
    }

    /** The rows in the order Flyway applied them; empty when the database has no history yet. */
    static List<AppliedMigration> read(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT to_regclass('" + TABLE + "') IS NOT NULL")) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    return List.of();
                }
            }
            List<AppliedMigration> out = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("SELECT installed_rank, version, script, type, success FROM " + TABLE + " ORDER BY installed_rank")) {
                while (rs.next()) {
                    out.add(new AppliedMigration(rs.getInt(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getBoolean(5)));
                }
            }
            return out;
        }
    }
}
