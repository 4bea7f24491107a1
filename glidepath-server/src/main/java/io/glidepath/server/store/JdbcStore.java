package io.glidepath.server.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import io.glidepath.journal.EventJson;
import io.glidepath.journal.Outcome;
import io.glidepath.journal.ReleaseEvent;
import io.glidepath.platform.Instance;
import io.glidepath.route.EndpointAddress;
import io.glidepath.server.access.AccessStore;
import io.glidepath.server.access.AuditEntry;
import io.glidepath.server.access.Role;
import io.glidepath.server.access.TokenRecord;
import io.glidepath.store.ReleaseRecord;
import io.glidepath.store.ServiceRecord;
import io.glidepath.store.Store;
import io.glidepath.journal.StoredEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * The store over JDBC: SQLite (the default: one file, WAL, synchronous=FULL) or PostgreSQL (several
 * servers may share one), tables made by Flyway ({@link Schema}). The SQL is the same for both; the
 * few differences are in {@link Dialect}.
 *
 * <p>One connection, used under this object's lock: the control plane writes a few events per second.
 * What must hold when several stores (server processes) share one database is done by the database:
 * an event's number is taken by the very insert that writes it (when another writer took it first,
 * the key says so and the insert is made again with the next number), and a release's locks are
 * inserts that do nothing when the row exists, all in one transaction, in name order (so two
 * releases never wait on each other in a cycle). Every write is committed when its method returns.
 * A PostgreSQL connection that breaks fails the call in progress; the next call opens a new one.
 *
 * <p>Why one class of this size: every query shares the one connection, its lock and its reopening;
 * each method is one statement or one transaction, with nothing else in it.
 */
public final class JdbcStore implements Store, AccessStore {
    private static final String SQLITE_PREFIX = "jdbc:sqlite:";
    /** How often an append is made again after another writer took its number: more than the writers there can be. */
    private static final int APPEND_ATTEMPTS = 50;
    /** How often a lock is tried again when its holder let go between the insert and the look at who holds it. */
    private static final int LOCK_ATTEMPTS = 50;

    private final StoreUrl url;
    private final Dialect dialect;
    private Connection db; // null once lost: reopened by the next call

    private JdbcStore(StoreUrl url, Connection db) {
        this.url = url;
        this.dialect = url.dialect();
        this.db = db;
    }

    /**
     * Opens the store at {@code url} and brings its tables up to date.
     *
     * @throws IllegalStateException naming the store (without its password), what went wrong and what to check
     */
    public static JdbcStore open(StoreUrl url) {
        if (url.dialect() == Dialect.SQLITE && !url.url().startsWith(SQLITE_PREFIX + "file:")) {
            Path file = Path.of(url.url().substring(SQLITE_PREFIX.length()));
            try {
                Files.createDirectories(file.toAbsolutePath().getParent());
            } catch (IOException e) {
                throw new IllegalStateException(cannotOpen(url, new IOException("cannot make its directory: " + e.getMessage(), e)), e);
            }
        }
        Connection c = connect(url);
        try {
            Schema.migrate(url, c);
        } catch (SQLException | RuntimeException e) {
            closeQuietly(c);
            throw e instanceof IllegalStateException ise ? ise : new IllegalStateException(cannotOpen(url, e), e);
        }
        return new JdbcStore(url, c);
    }

    /** Opens (creating when needed) a SQLite store in {@code file}. */
    public static JdbcStore sqlite(Path file) {
        return open(StoreUrl.sqlite(file));
    }

    public StoreUrl url() {
        return url;
    }

    private static Connection connect(StoreUrl url) {
        Properties props = new Properties();
        url.password().ifPresent(p -> props.setProperty("password", p)); // never in the URL, which may be shown
        Connection c = null;
        try {
            c = DriverManager.getConnection(url.url(), props);
            url.dialect().prepare(c);
            return c;
        } catch (SQLException e) {
            closeQuietly(c);
            throw new IllegalStateException(cannotOpen(url, e), e);
        }
    }

    /** Names the store (never its password), says what went wrong and what to check. */
    private static String cannotOpen(StoreUrl url, Exception e) {
        String what = String.valueOf(e.getMessage()).strip();
        return "cannot open the store " + url + ": " + (what.endsWith(".") ? what.substring(0, what.length() - 1) : what) + "; " + url.dialect().hint();
    }

    private Connection db() {
        if (db == null) {
            db = connect(url);
        }
        return db;
    }

    // --- releases and their journals ----------------------------------------------------------------

    @Override
    public synchronized void createRelease(ReleaseRecord r) {
        update("INSERT INTO releases (id, file, source, base_dir, services, submitted_by, submitted, outcome, reason, finished, attachments) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", r.id(), r.file(), r.source(), r.baseDir(), json(r.services()), r.submittedBy(),
                r.submitted().toString(), r.outcome().map(Enum::name).orElse(null), r.reason().orElse(null),
                r.finished().map(Instant::toString).orElse(null), r.attachments().isEmpty() ? null : json(r.attachments()));
    }

    @Override
    public synchronized void updateRelease(ReleaseRecord r) {
        update("UPDATE releases SET outcome = ?, reason = ?, finished = ? WHERE id = ?", r.outcome().map(Enum::name).orElse(null),
                r.reason().orElse(null), r.finished().map(Instant::toString).orElse(null), r.id());
    }

    @Override
    public synchronized Optional<ReleaseRecord> release(String id) {
        return query("SELECT * FROM releases WHERE id = ?", JdbcStore::release, id).stream().findFirst();
    }

    @Override
    public synchronized List<ReleaseRecord> releases(int limit) {
        return query("SELECT * FROM releases ORDER BY submitted DESC, " + dialect.insertionOrder() + " DESC LIMIT ?", JdbcStore::release, limit);
    }

    private static ReleaseRecord release(ResultSet rs) throws SQLException {
        return new ReleaseRecord(rs.getString("id"), rs.getString("file"), rs.getString("source"), rs.getString("base_dir"),
                list(rs.getString("services")), rs.getString("submitted_by"), Instant.parse(rs.getString("submitted")),
                Optional.ofNullable(rs.getString("outcome")).map(Outcome::valueOf), Optional.ofNullable(rs.getString("reason")),
                Optional.ofNullable(rs.getString("finished")).map(Instant::parse), files(rs.getString("attachments")));
    }

    @Override
    public synchronized long append(String releaseId, ReleaseEvent event) {
        String json = EventJson.write(event);
        for (int attempt = 1; ; attempt++) {
            try {
                // the number is read and written by one statement, committed when it returns (durable: WAL + FULL, or a PostgreSQL commit)
                return query(db(), "INSERT INTO events (release_id, seq, at, json) SELECT ?, COALESCE(MAX(seq), 0) + 1, ?, ? FROM events "
                        + "WHERE release_id = ? RETURNING seq", rs -> rs.getLong(1), releaseId, event.at().toString(), json, releaseId).get(0);
            } catch (SQLException e) {
                if (!dialect.isDuplicateKey(e) || attempt == APPEND_ATTEMPTS) {
                    throw failure(e);
                }
                // another server appended to this release between our read of the last number and our write: take the next one
            }
        }
    }

    @Override
    public synchronized List<StoredEvent> events(String releaseId, long afterSeq) {
        return query("SELECT seq, json FROM events WHERE release_id = ? AND seq > ? ORDER BY seq",
                rs -> new StoredEvent(releaseId, rs.getLong("seq"), EventJson.read(rs.getString("json"))), releaseId, afterSeq);
    }

    // --- services and their locks -------------------------------------------------------------------

    @Override
    public synchronized Optional<ServiceRecord> service(String name) {
        return query("SELECT * FROM services WHERE name = ?", JdbcStore::service, name).stream().findFirst();
    }

    @Override
    public synchronized void saveService(ServiceRecord s) {
        update("INSERT INTO services (name, current_version, previous_version, last_release, updated) VALUES (?, ?, ?, ?, ?) "
                + "ON CONFLICT (name) DO UPDATE SET current_version = excluded.current_version, previous_version = excluded.previous_version, "
                + "last_release = excluded.last_release, updated = excluded.updated",
                s.name(), s.currentVersion(), s.previousVersion().orElse(null), s.lastRelease(), s.updated().toString());
    }

    @Override
    public synchronized List<ServiceRecord> services() {
        return query("SELECT * FROM services ORDER BY name", JdbcStore::service);
    }

    private static ServiceRecord service(ResultSet rs) throws SQLException {
        return new ServiceRecord(rs.getString("name"), rs.getString("current_version"), Optional.ofNullable(rs.getString("previous_version")),
                rs.getString("last_release"), Instant.parse(rs.getString("updated")));
    }

    @Override
    public synchronized Optional<String> lock(List<String> services, String releaseId) {
        return inTransaction(c -> {
            for (String s : new TreeSet<>(services)) { // one order for every server: no two lockers wait on each other in a cycle
                Optional<String> holder = take(c, s, releaseId);
                if (holder.isPresent()) {
                    return holder;
                }
            }
            return Optional.<String>empty();
        }, Optional::isEmpty);
    }

    /** Takes one service's lock in the transaction on {@code c}: empty when {@code releaseId} holds it now, else its holder. */
    private static Optional<String> take(Connection c, String service, String releaseId) throws SQLException {
        for (int attempt = 1; attempt <= LOCK_ATTEMPTS; attempt++) {
            // waits for another transaction's uncommitted lock on the service, then does nothing if that one committed
            if (update(c, "INSERT INTO locks (service, release_id) VALUES (?, ?) ON CONFLICT (service) DO NOTHING", service, releaseId) == 1) {
                return Optional.empty();
            }
            List<String> holder = query(c, "SELECT release_id FROM locks WHERE service = ?", rs -> rs.getString(1), service);
            if (!holder.isEmpty()) {
                return holder.get(0).equals(releaseId) ? Optional.empty() : Optional.of(holder.get(0));
            }
            // its holder let it go in between (another server): try again
        }
        throw new IllegalStateException("store: the lock on " + service + " changed hands " + LOCK_ATTEMPTS + " times while " + releaseId
                + " tried to take it");
    }

    @Override
    public synchronized void unlock(List<String> services, String releaseId) {
        inTransaction(c -> {
            for (String s : services) {
                update(c, "DELETE FROM locks WHERE service = ? AND release_id = ?", s, releaseId);
            }
            return true;
        }, done -> true);
    }

    @Override
    public synchronized Optional<String> holder(String service) {
        return query("SELECT release_id FROM locks WHERE service = ?", rs -> rs.getString(1), service).stream().findFirst();
    }

    // --- the platform's instances -------------------------------------------------------------------

    @Override
    public synchronized void save(Instance i) {
        update("INSERT INTO instances (id, service, version, address, pid, process_start, log, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                + "ON CONFLICT (id) DO UPDATE SET service = excluded.service, version = excluded.version, address = excluded.address, "
                + "pid = excluded.pid, process_start = excluded.process_start, log = excluded.log, started_at = excluded.started_at",
                i.id(), i.service(), i.version(), i.address().toString(), i.pid(), i.processStart().toString(), i.log().toString(),
                i.startedAt().toString());
    }

    @Override
    public synchronized void remove(String instanceId) {
        update("DELETE FROM instances WHERE id = ?", instanceId);
    }

    @Override
    public synchronized List<Instance> instances() {
        return query("SELECT * FROM instances ORDER BY started_at, id", rs -> new Instance(rs.getString("id"), rs.getString("service"),
                rs.getString("version"), EndpointAddress.parse(rs.getString("address")).orElseThrow(), rs.getLong("pid"),
                Instant.parse(rs.getString("process_start")), Path.of(rs.getString("log")), Instant.parse(rs.getString("started_at"))));
    }

    // --- tokens and audit --------------------------------------------------------------------------

    @Override
    public synchronized boolean createToken(TokenRecord t) {
        return update("INSERT INTO tokens (name, role, digest, created, created_by, revoked) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING",
                t.name(), t.role().name(), t.digest(), t.created().toString(), t.createdBy(), t.revoked().map(Instant::toString).orElse(null)) == 1;
    }

    @Override
    public synchronized List<TokenRecord> tokens() {
        return query("SELECT * FROM tokens ORDER BY created, name", rs -> new TokenRecord(rs.getString("name"), Role.valueOf(rs.getString("role")),
                rs.getString("digest"), Instant.parse(rs.getString("created")), rs.getString("created_by"),
                Optional.ofNullable(rs.getString("revoked")).map(Instant::parse)));
    }

    @Override
    public synchronized boolean revokeToken(String name, Instant at) {
        return update("UPDATE tokens SET revoked = ? WHERE name = ? AND revoked IS NULL", at.toString(), name) == 1;
    }

    @Override
    public synchronized void appendAudit(AuditEntry e) {
        update("INSERT INTO audit (at, token, user_name, action, target, status, result, remote) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", e.at().toString(),
                e.token(), e.user(), e.action(), e.target(), e.status(), e.result(), e.remote());
    }

    @Override
    public synchronized List<AuditEntry> audit(int limit) {
        return query("SELECT * FROM audit ORDER BY seq DESC LIMIT ?", rs -> new AuditEntry(Instant.parse(rs.getString("at")), rs.getString("token"),
                rs.getString("user_name"), rs.getString("action"), rs.getString("target"), rs.getInt("status"), rs.getString("result"),
                rs.getString("remote")), limit);
    }

    @Override
    public synchronized void close() {
        closeQuietly(db);
        db = null;
    }

    // --- plumbing ------------------------------------------------------------------------------------

    @FunctionalInterface
    private interface Row<T> {
        T read(ResultSet rs) throws SQLException;
    }

    @FunctionalInterface
    private interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** Runs {@code work} in one transaction, committed when {@code keep} accepts its result, else rolled back. */
    private <T> T inTransaction(Work<T> work, Predicate<T> keep) {
        Connection c = db();
        try {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                if (keep.test(result)) {
                    c.commit();
                } else {
                    c.rollback();
                }
                return result;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c);
                throw e;
            } finally {
                if (!c.isClosed()) {
                    c.setAutoCommit(true);
                }
            }
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    private <T> List<T> query(String sql, Row<T> row, Object... args) {
        try {
            return query(db(), sql, row, args);
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    private int update(String sql, Object... args) {
        try {
            return update(db(), sql, args);
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    private static <T> List<T> query(Connection c, String sql, Row<T> row, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                List<T> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(row.read(rs));
                }
                return out;
            }
        }
    }

    private static int update(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            return ps.executeUpdate();
        }
    }

    private static void bind(PreparedStatement ps, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            ps.setObject(i + 1, args[i]);
        }
    }

    /** The error for a caller; a lost connection is dropped, so the next call opens a new one. */
    private IllegalStateException failure(SQLException e) {
        if (dialect.isConnectionLost(e)) {
            closeQuietly(db);
            db = null;
        }
        return new IllegalStateException("store: " + e.getMessage(), e);
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the error that led here is the one to report
        }
    }

    private static void closeQuietly(Connection c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (SQLException ignored) {
            // closing
        }
    }

    private static Map<String, String> files(String json) {
        if (json == null) {
            return Map.of();
        }
        try {
            return EventJson.MAPPER.readValue(json, new TypeReference<Map<String, String>>() { });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("store: a release's attached files are not JSON", e);
        }
    }

    private static String json(Object l) {
        try {
            return EventJson.MAPPER.writeValueAsString(l);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> list(String json) {
        try {
            return EventJson.MAPPER.readValue(json, new TypeReference<List<String>>() { });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("store: a release's service list is not JSON: " + json, e);
        }
    }
}
