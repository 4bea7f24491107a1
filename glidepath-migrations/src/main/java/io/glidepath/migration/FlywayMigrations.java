package io.glidepath.migration;

import io.glidepath.spec.DatabaseSpec;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.callback.Callback;
import org.flywaydb.core.api.callback.Context;
import org.flywaydb.core.api.callback.Event;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.flywaydb.database.postgresql.PostgreSQLConfigurationExtension;

/**
 * The {@link Migrations} seam on PostgreSQL with Flyway. Expand and contract share the database's one
 * Flyway history ({@code flyway_schema_history}): expand runs with only the expand folder as location
 * and contract with only the contract one, out of order allowed and each other's applied migrations
 * not reported missing. Before every statement Glidepath sets {@code lock_timeout} and
 * {@code statement_timeout} (a Flyway callback on the migration's own connection); a migration that
 * fails on a lock timeout is retried with back-off, after Flyway's failed row is repaired and any
 * invalid index a failed CONCURRENTLY left behind (pg_index.indisvalid) is dropped. Flyway's advisory
 * lock is session-level, so CREATE INDEX CONCURRENTLY does not wait for Flyway's own transaction.
 */
public final class FlywayMigrations implements Migrations {
    /** lock_not_available: what PostgreSQL says when lock_timeout ends a wait. */
    static final String LOCK_NOT_AVAILABLE = "55P03";
    static final int ATTEMPTS = 6;
    static final Duration FIRST_BACKOFF = Duration.ofMillis(200);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private final Map<String, String> env;

    /** {@code env}: where the passwords that databases' passwordEnv names come from (the server's environment). */
    public FlywayMigrations(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    @Override
    public Gate gate(DatabaseSpec db, Path baseDir) throws MigrationSetupException {
        MigrationGate.Report r = MigrationGate.check(new DatabaseAccess(db, env), baseDir);
        String checked = r.statements().size() + " pending statement(s) read on PostgreSQL's grammar"
                + r.scratch().map(s -> " and tried on a scratch copy (PostgreSQL " + s.serverVersion() + ", " + s.replayed().size()
                + " applied migration(s) replayed first)").orElse("");
        return new Gate(r.findings(), checked);
    }

    @Override
    public List<Applied> expand(DatabaseSpec db, Path baseDir, Progress progress) throws MigrationSetupException {
        MigrationScripts scripts = MigrationScripts.read(db, baseDir);
        return db.expand().isEmpty() ? List.of() : migrate(db, baseDir, db.expand().get(), scripts.expand(), progress);
    }

    @Override
    public List<String> pendingContract(DatabaseSpec db, Path baseDir) throws MigrationSetupException {
        MigrationScripts scripts = MigrationScripts.read(db, baseDir);
        Set<String> applied = applied(new DatabaseAccess(db, env));
        return scripts.contract().stream().filter(s -> !applied.contains(s.script())).map(MigrationScript::file).toList();
    }

    @Override
    public List<Applied> contract(DatabaseSpec db, Path baseDir, Progress progress) throws MigrationSetupException {
        MigrationScripts scripts = MigrationScripts.read(db, baseDir);
        return db.contract().isEmpty() ? List.of() : migrate(db, baseDir, db.contract().get(), scripts.contract(), progress);
    }

    @Override
    public int sessions(DatabaseSpec db, Set<String> applicationNames) throws MigrationSetupException {
        try (Connection c = new DatabaseAccess(db, env).connect("glidepath-contract-wait");
             PreparedStatement st = c.prepareStatement("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                     + "AND application_name = ANY (?)")) {
            st.setArray(1, c.createArrayOf("text", applicationNames.toArray()));
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        } catch (SQLException e) {
            throw new MigrationSetupException("database '" + db.name() + "': cannot list its sessions: " + e.getMessage(), e);
        }
    }

    private List<Applied> migrate(DatabaseSpec db, Path baseDir, String folder, List<MigrationScript> scripts, Progress progress)
            throws MigrationSetupException {
        DatabaseAccess access = new DatabaseAccess(db, env);
        List<Applied> done = new ArrayList<>();
        Reporter reporter = new Reporter(baseDir.resolve(folder).normalize(), scripts, progress, done);
        FluentConfiguration config = Flyway.configure();
        // a session-level advisory lock: with the transactional one, CREATE INDEX CONCURRENTLY waits for Flyway's own transaction
        config.getConfigurationExtension(PostgreSQLConfigurationExtension.class).setTransactionalLock(false);
        Flyway flyway = config
                .dataSource(new AccessDataSource(access))
                .locations("filesystem:" + baseDir.resolve(folder).normalize())
                .outOfOrder(true)
                .ignoreMigrationPatterns("*:missing", "*:future", "*:ignored")
                .mixed(true)
                .validateMigrationNaming(true)
                .callbacks(new Timeouts(db), reporter)
                .load();
        Set<String> applied = applied(access);
        List<MigrationScript> pending = scripts.stream().filter(x -> !applied.contains(x.script())).toList();
        Duration backoff = FIRST_BACKOFF;
        for (int attempt = 1; ; attempt++) {
            try {
                cleanUpBeforeRun(access, flyway, pending, progress);
                flyway.migrate();
                return done;
            } catch (FlywayException e) {
                String file = reporter.current == null ? "?" : reporter.current.file();
                boolean lockTimeout = causedBy(e, LOCK_NOT_AVAILABLE);
                if (!lockTimeout || attempt >= ATTEMPTS) {
                    throw new MigrationSetupException("database '" + db.name() + "': " + file + " failed"
                            + (lockTimeout ? " " + attempt + " times on its lock timeout (" + db.lockTimeout().toMillis()
                            + " ms): something holds the table; find it in pg_stat_activity" : "") + ": " + rootMessage(e), e);
                }
                long wait = backoff.toMillis();
                progress.retrying(file, "lock timeout after " + db.lockTimeout().toMillis() + " ms: " + rootMessage(e), wait, attempt + 1, ATTEMPTS);
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new MigrationSetupException("database '" + db.name() + "': interrupted while waiting to retry " + file, ie);
                }
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }

    /**
     * What a failed migration (or a server killed in the middle of one) leaves that the next try must not
     * trip over: Flyway's failed row of a migration that ran outside a transaction (removed with Flyway's
     * repair, only when there is one, since repair also rewrites checksums) and the invalid index of a
     * CREATE INDEX CONCURRENTLY that did not finish (only indexes the pending migrations create).
     */
    static void cleanUpBeforeRun(DatabaseAccess access, Flyway flyway, List<MigrationScript> pending, Progress progress)
            throws MigrationSetupException {
        boolean failedRow;
        try (Connection c = access.connect("glidepath-migrations")) {
            failedRow = History.read(c).stream().anyMatch(a -> !a.success());
        } catch (SQLException e) {
            throw new MigrationSetupException("database '" + access.db().name() + "': cannot read its Flyway history: " + e.getMessage(), e);
        }
        if (failedRow) {
            flyway.repair();
        }
        for (MigrationScript s : pending) {
            if (s.transactional()) {
                continue;
            }
            for (String index : InvalidIndexes.createdBy(s)) {
                if (InvalidIndexes.dropIfInvalid(access, index)) {
                    progress.retrying(s.file(), "dropped the invalid index " + index + " an unfinished CREATE INDEX CONCURRENTLY left", 0, 1, 1);
                }
            }
        }
    }

    static Set<String> applied(DatabaseAccess access) throws MigrationSetupException {
        Set<String> out = new HashSet<>();
        try (Connection c = access.connect("glidepath-migrations")) {
            for (AppliedMigration a : History.read(c)) {
                if (a.success() && a.script() != null) {
                    out.add(a.script());
                }
            }
        } catch (SQLException e) {
            throw new MigrationSetupException("database '" + access.db().name() + "': cannot read its Flyway history: " + e.getMessage(), e);
        }
        return out;
    }

    private static boolean causedBy(Throwable e, String sqlState) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && sqlState.equals(s.getSQLState())) {
                return true;
            }
            if (t.getMessage() != null && t.getMessage().contains("SQL State  : " + sqlState)) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        if (t instanceof org.postgresql.util.PSQLException p && p.getServerErrorMessage() != null) {
            String detail = p.getServerErrorMessage().getDetail();
            return p.getServerErrorMessage().getMessage() + (detail == null ? "" : " (" + detail + ")");
        }
        String m = t.getMessage() == null ? t.toString() : t.getMessage();
        return m.strip().lines().findFirst().orElse(m);
    }

    /** lock_timeout and statement_timeout, set on the migration's connection before each statement. */
    private static final class Timeouts implements Callback {
        private final String sql;

        Timeouts(DatabaseSpec db) {
            this.sql = "SET lock_timeout = '" + db.lockTimeout().toMillis() + "ms'; SET statement_timeout = '" + db.statementTimeout().toMillis() + "ms'";
        }

        @Override
        public boolean supports(Event event, Context context) {
            return event == Event.BEFORE_EACH_MIGRATE || event == Event.BEFORE_EACH_MIGRATE_STATEMENT;
        }

        @Override
        public boolean canHandleInTransaction(Event event, Context context) {
            return true;
        }

        @Override
        public void handle(Event event, Context context) {
            try (Statement st = context.getConnection().createStatement()) {
                st.execute(sql);
            } catch (SQLException e) {
                throw new FlywayException("could not set lock_timeout and statement_timeout: " + e.getMessage(), e);
            }
        }

        @Override
        public String getCallbackName() {
            return "glidepath-timeouts";
        }
    }

    /** Tells the engine which migration starts and which is applied, with its file as the release file names it. */
    private static final class Reporter implements Callback {
        private final Path dir;
        private final List<MigrationScript> scripts;
        private final Progress progress;
        private final List<Applied> done;
        volatile MigrationScript current;
        private long started;

        Reporter(Path dir, List<MigrationScript> scripts, Progress progress, List<Applied> done) {
            this.dir = dir;
            this.scripts = scripts;
            this.progress = progress;
            this.done = done;
        }

        @Override
        public boolean supports(Event event, Context context) {
            return event == Event.BEFORE_EACH_MIGRATE || event == Event.AFTER_EACH_MIGRATE;
        }

        @Override
        public boolean canHandleInTransaction(Event event, Context context) {
            return true;
        }

        @Override
        public void handle(Event event, Context context) {
            String script = context.getMigrationInfo() == null ? null : context.getMigrationInfo().getScript();
            Optional<MigrationScript> s = scripts.stream().filter(x -> x.script().equals(script) || dir.resolve(x.script()).toString().equals(script))
                    .findFirst();
            if (event == Event.BEFORE_EACH_MIGRATE) {
                current = s.orElse(null);
                started = System.nanoTime();
                progress.starting(s.map(MigrationScript::file).orElse(script));
            } else {
                Applied a = new Applied(s.map(MigrationScript::file).orElse(script),
                        context.getMigrationInfo() == null || context.getMigrationInfo().getVersion() == null ? ""
                                : context.getMigrationInfo().getVersion().getVersion(), (System.nanoTime() - started) / 1_000_000);
                done.add(a);
                progress.applied(a);
            }
        }

        @Override
        public String getCallbackName() {
            return "glidepath-progress";
        }
    }

    /** Flyway's connections, opened the way Glidepath opens them (password from the environment, application_name). */
    private record AccessDataSource(DatabaseAccess access) implements DataSource {
        @Override
        public Connection getConnection() throws SQLException {
            try {
                return access.connect("glidepath-migrate");
            } catch (MigrationSetupException e) {
                throw new SQLException(e.getMessage(), e);
            }
        }

        @Override
        public Connection getConnection(String user, String password) throws SQLException {
            return getConnection();
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {
        }

        @Override
        public void setLoginTimeout(int seconds) {
        }

        @Override
        public int getLoginTimeout() {
            return 10;
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            throw new SQLFeatureNotSupportedException();
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            throw new SQLException("not a wrapper");
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
            return false;
        }
    }
}
