package io.glidepath.server.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import io.glidepath.engine.EventJson;
import io.glidepath.engine.Outcome;
import io.glidepath.engine.ReleaseEvent;
import io.glidepath.platform.Instance;
import io.glidepath.route.EndpointAddress;
import io.glidepath.server.access.AccessStore;
import io.glidepath.server.access.AuditEntry;
import io.glidepath.server.access.Role;
import io.glidepath.server.access.TokenRecord;
import io.glidepath.store.ReleaseRecord;
import io.glidepath.store.ServiceRecord;
import io.glidepath.store.Store;
import io.glidepath.store.StoredEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The store in one SQLite file (WAL, synchronous=FULL: an event is on disk when append returns).
 * One connection, used under this object's lock: SQLite takes one writer at a time anyway, and the
 * control plane writes a few events per second. The schema version is kept in {@code user_version}.
 */
public final class SqliteStore implements Store, AccessStore {
    private static final List<String> MIGRATIONS = List.of("""
            CREATE TABLE releases (id TEXT PRIMARY KEY, file TEXT NOT NULL, source TEXT NOT NULL, base_dir TEXT NOT NULL,
              services TEXT NOT NULL, submitted_by TEXT NOT NULL, submitted TEXT NOT NULL, outcome TEXT, reason TEXT, finished TEXT);
            CREATE TABLE events (release_id TEXT NOT NULL, seq INTEGER NOT NULL, at TEXT NOT NULL, json TEXT NOT NULL,
              PRIMARY KEY (release_id, seq));
            CREATE TABLE services (name TEXT PRIMARY KEY, current_version TEXT NOT NULL, previous_version TEXT, last_release TEXT NOT NULL,
              updated TEXT NOT NULL);
            CREATE TABLE locks (service TEXT PRIMARY KEY, release_id TEXT NOT NULL);
            CREATE TABLE instances (id TEXT PRIMARY KEY, service TEXT NOT NULL, version TEXT NOT NULL, address TEXT NOT NULL,
              pid INTEGER NOT NULL, process_start TEXT NOT NULL, log TEXT NOT NULL, started_at TEXT NOT NULL);
            """, """
            CREATE TABLE tokens (name TEXT PRIMARY KEY, role TEXT NOT NULL, digest TEXT NOT NULL, created TEXT NOT NULL, created_by TEXT NOT NULL,
              revoked TEXT);
            CREATE TABLE audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, token TEXT NOT NULL, user_name TEXT, action TEXT NOT NULL,
              target TEXT, status INTEGER NOT NULL, result TEXT NOT NULL, remote TEXT);
            """);

    private final Connection db;

    private SqliteStore(Connection db) {
        this.db = db;
    }

    /** Opens (creating when needed) the store at {@code file} and brings its schema up to date. */
    public static SqliteStore open(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement st = c.createStatement()) {
                st.execute("PRAGMA journal_mode=WAL");
                st.execute("PRAGMA synchronous=FULL");
                st.execute("PRAGMA busy_timeout=5000");
                int version;
                try (ResultSet rs = st.executeQuery("PRAGMA user_version")) {
                    version = rs.next() ? rs.getInt(1) : 0;
                }
                for (int v = version; v < MIGRATIONS.size(); v++) {
                    c.setAutoCommit(false);
                    for (String sql : MIGRATIONS.get(v).split(";")) {
                        if (!sql.isBlank()) {
                            st.execute(sql);
                        }
                    }
                    st.execute("PRAGMA user_version = " + (v + 1));
                    c.commit();
                    c.setAutoCommit(true);
                }
            }
            return new SqliteStore(c);
        } catch (SQLException | java.io.IOException e) {
            throw new IllegalStateException("cannot open the store " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void createRelease(ReleaseRecord r) {
        update("INSERT INTO releases (id, file, source, base_dir, services, submitted_by, submitted, outcome, reason, finished) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", r.id(), r.file(), r.source(), r.baseDir(), json(r.services()), r.submittedBy(),
                r.submitted().toString(), r.outcome().map(Enum::name).orElse(null), r.reason().orElse(null),
                r.finished().map(Instant::toString).orElse(null));
    }

    @Override
    public synchronized void updateRelease(ReleaseRecord r) {
        update("UPDATE releases SET outcome = ?, reason = ?, finished = ? WHERE id = ?", r.outcome().map(Enum::name).orElse(null),
                r.reason().orElse(null), r.finished().map(Instant::toString).orElse(null), r.id());
    }

    @Override
    public synchronized Optional<ReleaseRecord> release(String id) {
        return query("SELECT * FROM releases WHERE id = ?", SqliteStore::release, id).stream().findFirst();
    }

    @Override
    public synchronized List<ReleaseRecord> releases(int limit) {
        return query("SELECT * FROM releases ORDER BY submitted DESC, rowid DESC LIMIT ?", SqliteStore::release, limit);
    }

    private static ReleaseRecord release(ResultSet rs) throws SQLException {
        return new ReleaseRecord(rs.getString("id"), rs.getString("file"), rs.getString("source"), rs.getString("base_dir"),
                list(rs.getString("services")), rs.getString("submitted_by"), Instant.parse(rs.getString("submitted")),
                Optional.ofNullable(rs.getString("outcome")).map(Outcome::valueOf), Optional.ofNullable(rs.getString("reason")),
                Optional.ofNullable(rs.getString("finished")).map(Instant::parse));
    }

    @Override
    public synchronized long append(String releaseId, ReleaseEvent event) {
        long seq = query("SELECT COALESCE(MAX(seq), 0) + 1 FROM events WHERE release_id = ?", rs -> rs.getLong(1), releaseId).get(0);
        update("INSERT INTO events (release_id, seq, at, json) VALUES (?, ?, ?, ?)", releaseId, seq, event.at().toString(), EventJson.write(event));
        return seq;
    }

    @Override
    public synchronized List<StoredEvent> events(String releaseId, long afterSeq) {
        return query("SELECT seq, json FROM events WHERE release_id = ? AND seq > ? ORDER BY seq",
                rs -> new StoredEvent(releaseId, rs.getLong("seq"), EventJson.read(rs.getString("json"))), releaseId, afterSeq);
    }

    @Override
    public synchronized Optional<ServiceRecord> service(String name) {
        return query("SELECT * FROM services WHERE name = ?", SqliteStore::service, name).stream().findFirst();
    }

    @Override
    public synchronized void saveService(ServiceRecord s) {
        update("INSERT OR REPLACE INTO services (name, current_version, previous_version, last_release, updated) VALUES (?, ?, ?, ?, ?)",
                s.name(), s.currentVersion(), s.previousVersion().orElse(null), s.lastRelease(), s.updated().toString());
    }

    @Override
    public synchronized List<ServiceRecord> services() {
        return query("SELECT * FROM services ORDER BY name", SqliteStore::service);
    }

    private static ServiceRecord service(ResultSet rs) throws SQLException {
        return new ServiceRecord(rs.getString("name"), rs.getString("current_version"), Optional.ofNullable(rs.getString("previous_version")),
                rs.getString("last_release"), Instant.parse(rs.getString("updated")));
    }

    @Override
    public synchronized Optional<String> lock(List<String> services, String releaseId) {
        try {
            db.setAutoCommit(false);
            try {
                for (String s : services) {
                    List<String> holder = query("SELECT release_id FROM locks WHERE service = ?", rs -> rs.getString(1), s);
                    if (!holder.isEmpty() && !holder.get(0).equals(releaseId)) {
                        db.rollback();
                        return Optional.of(holder.get(0));
                    }
                }
                for (String s : services) {
                    update("INSERT OR REPLACE INTO locks (service, release_id) VALUES (?, ?)", s, releaseId);
                }
                db.commit();
                return Optional.empty();
            } finally {
                db.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("store: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void unlock(List<String> services, String releaseId) {
        for (String s : services) {
            update("DELETE FROM locks WHERE service = ? AND release_id = ?", s, releaseId);
        }
    }

    @Override
    public synchronized Optional<String> holder(String service) {
        return query("SELECT release_id FROM locks WHERE service = ?", rs -> rs.getString(1), service).stream().findFirst();
    }

    @Override
    public synchronized void save(Instance i) {
        update("INSERT OR REPLACE INTO instances (id, service, version, address, pid, process_start, log, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
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
        if (!query("SELECT name FROM tokens WHERE name = ?", rs -> rs.getString(1), t.name()).isEmpty()) {
            return false;
        }
        update("INSERT INTO tokens (name, role, digest, created, created_by, revoked) VALUES (?, ?, ?, ?, ?, ?)", t.name(), t.role().name(),
                t.digest(), t.created().toString(), t.createdBy(), t.revoked().map(Instant::toString).orElse(null));
        return true;
    }

    @Override
    public synchronized List<TokenRecord> tokens() {
        return query("SELECT * FROM tokens ORDER BY created, name", rs -> new TokenRecord(rs.getString("name"), Role.valueOf(rs.getString("role")),
                rs.getString("digest"), Instant.parse(rs.getString("created")), rs.getString("created_by"),
                Optional.ofNullable(rs.getString("revoked")).map(Instant::parse)));
    }

    @Override
    public synchronized boolean revokeToken(String name, Instant at) {
        return updateCount("UPDATE tokens SET revoked = ? WHERE name = ? AND revoked IS NULL", at.toString(), name) == 1;
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
        try {
            db.close();
        } catch (SQLException ignored) {
            // closing
        }
    }

    // --- plumbing ------------------------------------------------------------------------------------

    @FunctionalInterface
    private interface Row<T> {
        T read(ResultSet rs) throws SQLException;
    }

    private <T> List<T> query(String sql, Row<T> row, Object... args) {
        try (PreparedStatement ps = db.prepareStatement(sql)) {
            bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                List<T> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(row.read(rs));
                }
                return out;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("store: " + e.getMessage(), e);
        }
    }

    private void update(String sql, Object... args) {
        updateCount(sql, args);
    }

    private int updateCount(String sql, Object... args) {
        try (PreparedStatement ps = db.prepareStatement(sql)) {
            bind(ps, args);
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("store: " + e.getMessage(), e);
        }
    }

    private static void bind(PreparedStatement ps, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            ps.setObject(i + 1, args[i]);
        }
    }

    private static String json(List<String> l) {
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
