package io.glidepath.migration;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The gate's dynamic check, which no linter has: the pending migrations are applied to a scratch
 * database (a throwaway database created on the target's own server, so the same PostgreSQL version
 * decides the same locks), brought first to the target's state by replaying, in the order its Flyway
 * history lists, the migrations the target has applied. Each pending statement then runs the way
 * Flyway will run it (a migration in one transaction unless it holds a statement that cannot run in
 * one), and Glidepath records what it did: the table locks it took (pg_locks), the existing tables it
 * rewrote (pg_class.relfilenode changed), the ones it read whole while holding a lock that blocks
 * writes (pg_stat_xact_user_tables.seq_scan), and how long ACCESS EXCLUSIVE stayed held. The scratch
 * database is dropped at the end, whatever happened.
 *
 * <p>What it cannot see: how long things take on the real data (the scratch tables are empty) and
 * objects the target has that its migrations did not create (a baselined database).
 */
public final class ScratchRun {
    private static final String USER_TABLES = "SELECT c.oid, n.nspname || '.' || c.relname, c.relfilenode FROM pg_class c "
            + "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p', 'm') "
            + "AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final DatabaseAccess access;
    /** Tables that existed before the first pending migration: oid to schema.name. Only these have users. */
    private final Map<Long, String> existing = new HashMap<>();

    private ScratchRun(DatabaseAccess access) {
        this.access = access;
    }

    /** What the scratch run saw, per statement in the order run, and the scratch server's version. */
    public record Result(List<StatementRun> statements, String serverVersion, List<String> replayed) {
        public Result {
            statements = List.copyOf(statements);
            replayed = List.copyOf(replayed);
        }
    }

    /** Applies {@code scripts}' pending expand migrations, then their pending contract migrations, to a scratch copy. */
    public static Result run(DatabaseAccess access, MigrationScripts scripts) throws MigrationSetupException {
        return new ScratchRun(access).run(scripts);
    }

    private Result run(MigrationScripts scripts) throws MigrationSetupException {
        byte[] id = new byte[6];
        RANDOM.nextBytes(id); // not generateSeed: that may wait for the kernel's entropy
        String scratch = "glidepath_scratch_" + HexFormat.of().formatHex(id);
        List<AppliedMigration> applied;
        String version;
        try (Connection target = access.connect("glidepath-gate")) {
            applied = History.read(target);
            version = serverVersion(target);
            try (Statement st = target.createStatement()) {
                st.execute("CREATE DATABASE " + scratch);
            } catch (SQLException e) {
                throw new MigrationSetupException("database '" + access.db().name() + "': the gate's scratch run creates a throwaway database on "
                        + "the same server and could not (" + e.getMessage().strip() + "); grant the role CREATEDB "
                        + "(ALTER ROLE ... CREATEDB) so the migrations can be tried before they touch " + access.db().name(), e);
            }
        } catch (SQLException e) {
            throw new MigrationSetupException("database '" + access.db().name() + "': " + e.getMessage(), e);
        }
        try {
            return runOn(scratch, scripts, applied, version);
        } finally {
            drop(scratch);
        }
    }

    private Result runOn(String scratch, MigrationScripts scripts, List<AppliedMigration> applied, String version) throws MigrationSetupException {
        List<StatementRun> out = new ArrayList<>();
        List<String> replayed = new ArrayList<>();
        try (Connection c = access.connectTo(scratch, "glidepath-gate-scratch");
             Connection watcher = access.connectTo(scratch, "glidepath-gate-watch")) {
            Set<String> done = new HashSet<>();
            for (AppliedMigration a : applied) {
                if (!a.success() || !a.type().startsWith("SQL")) {
                    continue;
                }
                MigrationScript s = scripts.byScript(a.script()).orElseThrow(() -> new MigrationSetupException("database '"
                        + access.db().name() + "': its Flyway history lists " + a.script() + " (version " + a.version() + ") as applied, and "
                        + "neither the expand nor the contract folder holds it, so the scratch run cannot rebuild the schema; put the file back"));
                replay(c, s);
                done.add(s.script());
                replayed.add(s.file());
            }
            readExisting(c);
            for (MigrationPhase phase : MigrationPhase.values()) {
                for (MigrationScript s : scripts.phase(phase)) {
                    if (done.contains(s.script())) {
                        continue;
                    }
                    if (!observe(c, watcher, s, out)) {
                        return new Result(out, version, replayed); // a failed statement: what follows would run on a schema it does not expect
                    }
                }
            }
        } catch (SQLException e) {
            throw new MigrationSetupException("database '" + access.db().name() + "': the scratch run stopped: " + e.getMessage(), e);
        }
        return new Result(out, version, replayed);
    }

    private void replay(Connection c, MigrationScript s) throws SQLException, MigrationSetupException {
        c.setAutoCommit(!s.transactional());
        try (Statement st = c.createStatement()) {
            for (MigrationScript.Statement stmt : s.statements()) {
                st.execute(stmt.sql());
            }
            if (s.transactional()) {
                c.commit();
            }
        } catch (SQLException e) {
            if (!c.getAutoCommit()) {
                c.rollback();
            }
            throw new MigrationSetupException("database '" + access.db().name() + "': replaying " + s.file() + ", which the database's Flyway "
                    + "history lists as applied, failed on the scratch database: " + e.getMessage().strip(), e);
        } finally {
            c.setAutoCommit(true);
        }
    }

    /** Runs one migration as Flyway will and records each statement; false when a statement failed. */
    private boolean observe(Connection c, Connection watcher, MigrationScript s, List<StatementRun> out) throws SQLException {
        boolean tx = s.transactional();
        c.setAutoCommit(!tx);
        int pid = backendPid(c);
        List<Integer> accessExclusiveAt = new ArrayList<>(); // indexes into out whose statement took ACCESS EXCLUSIVE
        List<Long> startedAt = new ArrayList<>();
        boolean ok = true;
        try {
            for (MigrationScript.Statement stmt : s.statements()) {
                Map<Long, Long> filesBefore = relfilenodes(c);
                Map<Long, Long> scansBefore = tx ? seqScans(c) : Map.of();
                Set<StatementRun.TableLock> locksBefore = tx ? ownLocks(c) : Set.of();
                LockWatch watch = tx ? null : LockWatch.start(watcher, pid, existing);
                long start = System.nanoTime();
                Optional<String> error = Optional.empty();
                try (Statement st = c.createStatement()) {
                    st.execute(stmt.sql());
                } catch (SQLException e) {
                    error = Optional.of(e.getMessage().strip());
                }
                long took = System.nanoTime() - start;
                Set<StatementRun.TableLock> taken = new LinkedHashSet<>();
                List<String> rewrote = new ArrayList<>();
                List<String> scanned = new ArrayList<>();
                if (watch != null) {
                    taken.addAll(watch.stop());
                }
                if (error.isEmpty()) {
                    if (tx) {
                        taken.addAll(ownLocks(c));
                        taken.removeAll(locksBefore);
                    }
                    Map<Long, Long> filesAfter = relfilenodes(c);
                    filesBefore.forEach((oid, file) -> {
                        Long now = filesAfter.get(oid);
                        if (now != null && !now.equals(file)) {
                            rewrote.add(existing.get(oid));
                        }
                    });
                    if (tx) {
                        // the transaction's locks so far: one an earlier statement took is still held here
                        Map<String, LockMode> held = new HashMap<>();
                        for (StatementRun.TableLock l : ownLocks(c)) {
                            held.merge(l.table(), l.mode(), LockMode::max);
                        }
                        seqScans(c).forEach((oid, n) -> {
                            LockMode mode = held.get(existing.get(oid));
                            if (n > scansBefore.getOrDefault(oid, 0L) && mode != null && mode.blocksWrites()) {
                                scanned.add(existing.get(oid) + " under " + mode.words()
                                        + (taken.stream().anyMatch(l -> l.table().equals(existing.get(oid)) && l.mode() == mode) ? ""
                                        : " (taken by an earlier statement of the same migration, held until it commits)"));
                            }
                        });
                    }
                }
                if (taken.stream().anyMatch(l -> l.mode() == LockMode.ACCESS_EXCLUSIVE)) {
                    accessExclusiveAt.add(out.size());
                }
                startedAt.add(start);
                out.add(new StatementRun(s.phase(), s.file(), stmt.line(), Linter.summary(stmt.sql()), List.copyOf(taken), rewrote, scanned,
                        Duration.ZERO, Duration.ofNanos(took), error));
                if (error.isPresent()) {
                    ok = false;
                    break;
                }
            }
        } finally {
            if (tx) {
                if (ok) {
                    c.commit();
                } else {
                    c.rollback();
                }
            }
            c.setAutoCommit(true);
        }
        // in a transaction, ACCESS EXCLUSIVE stays held from the statement that took it to the commit
        long end = System.nanoTime();
        int first = out.size() - startedAt.size();
        for (int i : accessExclusiveAt) {
            StatementRun r = out.get(i);
            long from = startedAt.get(i - first);
            Duration held = tx ? Duration.ofNanos(end - from) : r.took();
            out.set(i, new StatementRun(r.phase(), r.file(), r.line(), r.statement(), r.locks(), r.rewrote(), r.scannedUnderLock(), held, r.took(),
                    r.error()));
        }
        return ok;
    }

    private void readExisting(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(USER_TABLES)) {
            while (rs.next()) {
                existing.put(rs.getLong(1), rs.getString(2));
            }
        }
    }

    private Map<Long, Long> relfilenodes(Connection c) throws SQLException {
        Map<Long, Long> out = new HashMap<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(USER_TABLES)) {
            while (rs.next()) {
                if (existing.containsKey(rs.getLong(1))) {
                    out.put(rs.getLong(1), rs.getLong(3));
                }
            }
        }
        return out;
    }

    /** Sequential scans of each existing table so far in this transaction. */
    private Map<Long, Long> seqScans(Connection c) throws SQLException {
        Map<Long, Long> out = new HashMap<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT relid, seq_scan FROM pg_stat_xact_user_tables")) {
            while (rs.next()) {
                if (existing.containsKey(rs.getLong(1))) {
                    out.put(rs.getLong(1), rs.getLong(2));
                }
            }
        }
        return out;
    }

    /** The table locks this session holds on existing tables. */
    private Set<StatementRun.TableLock> ownLocks(Connection c) throws SQLException {
        return locks(c, "pg_backend_pid()", existing);
    }

    static Set<StatementRun.TableLock> locks(Connection c, String pid, Map<Long, String> tables) throws SQLException {
        Set<StatementRun.TableLock> out = new LinkedHashSet<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT relation::bigint, mode FROM pg_locks "
                + "WHERE locktype = 'relation' AND granted AND pid = " + pid)) {
            while (rs.next()) {
                String table = tables.get(rs.getLong(1));
                Optional<LockMode> mode = LockMode.ofPgName(rs.getString(2));
                if (table != null && mode.isPresent()) {
                    out.add(new StatementRun.TableLock(mode.get(), table));
                }
            }
        }
        return out;
    }

    private static int backendPid(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static String serverVersion(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW server_version")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private void drop(String scratch) {
        try (Connection target = access.connect("glidepath-gate"); Statement st = target.createStatement()) {
            try (PreparedStatement kill = target.prepareStatement("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ? "
                    + "AND pid <> pg_backend_pid()")) {
                kill.setString(1, scratch);
                kill.execute();
            } catch (SQLException ignored) {
                // not allowed to end others' sessions: the gate's own are closed already
            }
            st.execute("DROP DATABASE IF EXISTS " + scratch);
        } catch (SQLException | MigrationSetupException e) {
            System.getLogger(ScratchRun.class.getName()).log(System.Logger.Level.WARNING,
                    "could not drop the gate's scratch database " + scratch + " (drop it by hand): " + e.getMessage());
        }
    }

    /** The locks a statement outside a transaction takes, seen from a second session while it runs. */
    private static final class LockWatch {
        private final Set<StatementRun.TableLock> seen = ConcurrentHashMap.newKeySet();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Thread thread;

        private LockWatch(Connection watcher, int pid, Map<Long, String> tables) {
            this.thread = Thread.ofVirtual().start(() -> {
                while (!stop.get()) {
                    try {
                        seen.addAll(locks(watcher, String.valueOf(pid), tables));
                    } catch (SQLException e) {
                        return;
                    }
                }
            });
        }

        static LockWatch start(Connection watcher, int pid, Map<Long, String> tables) {
            return new LockWatch(watcher, pid, tables);
        }

        Set<StatementRun.TableLock> stop() {
            stop.set(true);
            try {
                thread.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return seen;
        }
    }
}
