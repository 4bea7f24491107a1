package io.glidepath.server.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * What differs between the two databases the store runs on. The SQL the store sends is the same for
 * both (upserts are {@code INSERT ... ON CONFLICT}, which SQLite and PostgreSQL both speak); the
 * tables differ only in their migrations ({@code db/migration/<folder>}).
 */
public enum Dialect {
    SQLITE("sqlite", "rowid", "check the file's directory exists or can be made, and that this user may write there") {
        @Override
        void prepare(Connection c) throws SQLException {
            try (Statement st = c.createStatement()) {
                st.execute("PRAGMA journal_mode=WAL");
                st.execute("PRAGMA synchronous=FULL"); // an append is on disk when it returns
                st.execute("PRAGMA busy_timeout=5000"); // another connection's write in progress: wait for it
            }
        }

        @Override
        boolean isDuplicateKey(SQLException e) {
            return e instanceof SQLiteException s
                    && (s.getResultCode() == SQLiteErrorCode.SQLITE_CONSTRAINT_PRIMARYKEY || s.getResultCode() == SQLiteErrorCode.SQLITE_CONSTRAINT_UNIQUE);
        }

        @Override
        boolean isConnectionLost(SQLException e) {
            return false; // a file: nothing to lose
        }
    },

    POSTGRESQL("postgresql", "ord", "check that PostgreSQL runs there and accepts TCP connections, that the database exists, and the user "
            + "and password (in the URL or $" + StoreUrl.PASSWORD_ENV + "); or leave --store out to use SQLite in DATA_DIR/server/glidepath.db") {
        @Override
        void prepare(Connection c) throws SQLException {
            try (Statement st = c.createStatement()) {
                // an append must be durable when it returns: a database set to asynchronous commits is overruled for this session
                // (any other setting, on, local or one waiting for replicas, is kept)
                try (ResultSet rs = st.executeQuery("SHOW synchronous_commit")) {
                    if (rs.next() && rs.getString(1).equalsIgnoreCase("off")) {
                        st.execute("SET synchronous_commit TO on");
                    }
                }
            }
        }

        @Override
        boolean isDuplicateKey(SQLException e) {
            return "23505".equals(e.getSQLState());
        }

        @Override
        boolean isConnectionLost(SQLException e) {
            String state = e.getSQLState();
            // class 08: connection exception; 57P01-57P03: the server shut down or terminated this session
            return state != null && (state.startsWith("08") || state.startsWith("57P"));
        }
    };

    private final String folder;
    private final String insertionOrder;
    private final String hint;

    Dialect(String folder, String insertionOrder, String hint) {
        this.folder = folder;
        this.insertionOrder = insertionOrder;
        this.hint = hint;
    }

    /** Where its Flyway migrations are, under {@code db/migration/}. */
    String migrations() {
        return "classpath:db/migration/" + folder;
    }

    /** The column that orders the releases table by insertion (SQLite's implicit rowid; a generated column in PostgreSQL). */
    String insertionOrder() {
        return insertionOrder;
    }

    /** What to check when the store cannot be opened. */
    String hint() {
        return hint;
    }

    /** Session settings, on every new connection. */
    abstract void prepare(Connection c) throws SQLException;

    /** The statement broke a primary key or unique constraint. */
    abstract boolean isDuplicateKey(SQLException e);

    /** The connection is gone (the next call needs a new one). */
    abstract boolean isConnectionLost(SQLException e);
}
