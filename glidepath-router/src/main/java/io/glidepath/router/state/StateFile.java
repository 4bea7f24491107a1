package io.glidepath.router.state;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.InvalidRouteException;
import io.glidepath.route.RouteJson;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.RouteState;
import io.glidepath.router.endpoint.Endpoint.Health;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.locks.LockSupport;

/**
 * The router's routing table on disk: a snapshot ({@code routes.json}) and a change log beside it
 * ({@code routes.log}). A change appends one line to the log, with the routes it changed, the routes it
 * removed and the health it changed, then forces it to disk: its cost does not grow with the number of
 * routes (a whole-file rewrite of 1,000 routes took 46 ms a change). When the log has grown past the
 * snapshot (or {@value #MAX_LOG_ENTRIES} entries) the snapshot is written again atomically (temp file,
 * fsync, rename, the previous good snapshot kept as {@code routes.json.bak}) and the log starts over.
 * Loading reads the snapshot, then replays the log's lines written after it: every write has a
 * sequence number, and the snapshot names the last one it holds, so the lines of a log a crash left
 * behind between a snapshot and the log's restart are recognised as older and skipped. A last line cut
 * short by a crash was never acknowledged and is left out. There is always one complete snapshot under
 * the state name, whatever moment a crash picks.
 *
 * <p>Beside the routes the file keeps each endpoint's health as last known (HEALTHY or UNHEALTHY, by
 * route and address; as HAProxy's {@code server-state-file} does), rewritten when a health check flips
 * one, so that a restarted router serves healthy endpoints at once. The health is advisory: a file
 * without it (written before it existed) loads with every endpoint unknown, and an entry that cannot
 * be read is left out rather than stopping the start. It sits at the top level, beside the routes, so
 * that a router which does not know it reads the file as before.
 */
public final class StateFile {
    public static final String NAME = "routes.json";
    public static final String BACKUP = "routes.json.bak";
    public static final String LOG = "routes.log";
    public static final String LOCK = "router.lock";
    /** The log starts over after this many changes, or once it is larger than the snapshot. */
    static final int MAX_LOG_ENTRIES = 1_000;
    private static final int FORMAT = 1;

    /**
     * What the file holds: the last generation handed out, the routes and, by route name and endpoint
     * address, each endpoint's last known health (only HEALTHY and UNHEALTHY; an endpoint not named
     * is unknown).
     */
    public record Contents(long generation, List<RouteState> routes, Map<String, Map<EndpointAddress, Health>> health) {
        public static final Contents EMPTY = new Contents(0, List.of());

        public Contents {
            routes = List.copyOf(routes);
            Map<String, Map<EndpointAddress, Health>> copy = new TreeMap<>();
            health.forEach((route, byAddress) -> {
                Map<EndpointAddress, Health> known = new LinkedHashMap<>();
                byAddress.forEach((a, h) -> {
                    if (h != Health.PENDING) {
                        known.put(a, h);
                    }
                });
                if (!known.isEmpty()) {
                    copy.put(route, Map.copyOf(known));
                }
            });
            health = Map.copyOf(copy);
        }

        /** Routes only: every endpoint's health unknown. */
        public Contents(long generation, List<RouteState> routes) {
            this(generation, routes, Map.of());
        }

        /** The last known health of {@code address} in route {@code route}, if the file knows it. */
        public Optional<Health> health(String route, EndpointAddress address) {
            return Optional.ofNullable(health.getOrDefault(route, Map.of()).get(address));
        }
    }

    /**
     * One change of the table: the routes it added or replaced, the names it removed, and the known health
     * of the routes whose health changed (a route's whole map; an empty map when none is known any more).
     */
    public record Change(long generation, Collection<RouteState> put, Collection<String> delete, Map<String, Map<EndpointAddress, Health>> health) {
        public Change {
            put = List.copyOf(put);
            delete = List.copyOf(delete);
            health = Map.copyOf(health);
        }
    }

    private final Path dir;
    private final Path file;
    private final Path backup;
    private final Path logFile;
    /**
     * What the snapshot and the log together hold now, kept as maps that a change updates at its own cost
     * (a snapshot reads them whole); {@code known} is false until loaded or first written.
     */
    private final TreeMap<String, RouteState> routes = new TreeMap<>();
    private final TreeMap<String, Map<EndpointAddress, Health>> health = new TreeMap<>();
    private long generation;
    private boolean known;
    private long snapshotBytes;
    private FileChannel log;
    private long logEntries;
    private long logBytes;
    /** The sequence number of the last write, snapshot or log line. */
    private long seq;
    private final int maxLogEntries;
    /** Held while this router owns the directory ({@link #lock}); released by {@link #close}. */
    private FileChannel lockChannel;
    private FileLock lock;
    private boolean closed;

    public StateFile(Path dir) {
        this(dir, MAX_LOG_ENTRIES);
    }

    /** With the log started over after {@code maxLogEntries} changes (tests make it small). */
    StateFile(Path dir, int maxLogEntries) {
        this.maxLogEntries = maxLogEntries;
        this.dir = dir;
        this.file = dir.resolve(NAME);
        this.backup = dir.resolve(BACKUP);
        this.logFile = dir.resolve(LOG);
    }

    public Path path() {
        return file;
    }

    public Path backupPath() {
        return backup;
    }

    /**
     * Makes this router the directory's only writer: an exclusive lock on {@value #LOCK}, held until
     * {@link #close}. A router handed the listeners of one that is stopping waits up to {@code wait} for
     * that one to let go (it does before it drains); otherwise a held lock stops the start at once,
     * naming the process that holds it. Two routers writing one state file would lose each other's changes.
     */
    public synchronized void lock(Duration wait) throws IOException {
        Files.createDirectories(dir);
        Path lockFile = dir.resolve(LOCK);
        FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
        long deadline = System.nanoTime() + wait.toNanos();
        try {
            while (true) {
                FileLock l;
                try {
                    l = ch.tryLock();
                } catch (OverlappingFileLockException e) {
                    l = null; // a router in this same JVM holds it
                }
                if (l != null) {
                    ch.truncate(0).write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
                    lockChannel = ch;
                    lock = l;
                    return;
                }
                if (System.nanoTime() >= deadline) {
                    String holder = Files.readString(lockFile, StandardCharsets.US_ASCII).strip();
                    throw new IOException("another router" + (holder.isEmpty() ? "" : " (pid " + holder + ")") + " is using the state directory " + dir
                            + (wait.isZero() ? "" : " and did not let go within " + wait.toSeconds() + " s")
                            + ": stop it first, or give this one another --state-dir");
                }
                LockSupport.parkNanos(20_000_000L); // the other router lets go when it begins to stop
            }
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Reads the state; a missing file is an empty table, a damaged one stops the start. */
    public Contents load() throws CorruptStateException, IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            if (Files.exists(backup)) {
                throw corrupt("it is missing but its backup exists");
            }
            return Contents.EMPTY;
        }
        JsonNode root;
        try {
            root = RouteJson.readTree(bytes);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            throw corrupt("it is not valid JSON" + where + " (" + e.getOriginalMessage() + ")");
        }
        if (root == null || !root.isObject() || root.path("format").asInt() != FORMAT || !root.path("routes").isArray()
                || !root.path("generation").canConvertToLong()) {
            throw corrupt("it does not hold a routing table of format " + FORMAT);
        }
        List<RouteState> routes = new ArrayList<>();
        long maxGeneration = root.get("generation").asLong();
        for (JsonNode r : root.get("routes")) {
            String name = r.path("name").asText("");
            long generation = r.path("generation").asLong(-1);
            String previewKey = r.path("previewKey").asText("");
            if (generation < 0 || previewKey.length() < 16) {
                throw corrupt("route '" + name + "' lacks its generation or preview key");
            }
            try {
                RouteSpec spec = RouteJson.readSpec(name, r);
                routes.add(new RouteState(spec, generation, previewKey));
                maxGeneration = Math.max(maxGeneration, generation);
            } catch (InvalidRouteException e) {
                throw corrupt("route '" + name + "' is invalid: " + e.getMessage());
            }
        }
        Contents snapshot = new Contents(maxGeneration, routes, readHealth(root.path("health")));
        Contents replayed = replay(snapshot, root.path("seq").asLong(0));
        synchronized (this) {
            hold(replayed);
            snapshotBytes = bytes.length;
        }
        return replayed;
    }

    /** The snapshot with the log's changes applied in order; a last line cut short by a crash is left out. */
    private Contents replay(Contents snapshot, long snapshotSeq) throws CorruptStateException, IOException {
        synchronized (this) {
            seq = snapshotSeq;
        }
        if (!Files.exists(logFile)) {
            return snapshot;
        }
        byte[] raw = Files.readAllBytes(logFile);
        boolean endsWithNewline = raw.length == 0 || raw[raw.length - 1] == '\n';
        List<String> lines = new ArrayList<>(List.of(new String(raw, java.nio.charset.StandardCharsets.UTF_8).split("\n")));
        if (raw.length == 0) {
            lines.clear();
        }
        Map<String, RouteState> routes = new TreeMap<>();
        snapshot.routes().forEach(r -> routes.put(r.name(), r));
        Map<String, Map<EndpointAddress, Health>> health = new TreeMap<>(snapshot.health());
        long generation = snapshot.generation();
        int entries = 0;
        for (int i = 0; i < lines.size(); i++) {
            boolean last = i == lines.size() - 1;
            JsonNode entry;
            try {
                entry = RouteJson.readTree(lines.get(i).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            } catch (JsonProcessingException e) {
                if (last && !endsWithNewline) {
                    break; // cut short by a crash while it was written: never acknowledged
                }
                throw corrupt(LOG + " line " + (i + 1) + " is not valid JSON (" + e.getOriginalMessage() + ")");
            }
            if (entry == null || !entry.isObject() || !entry.path("generation").canConvertToLong() || !entry.path("seq").canConvertToLong()) {
                throw corrupt(LOG + " line " + (i + 1) + " is not a change of the routing table");
            }
            entries++;
            long lineSeq = entry.get("seq").asLong();
            if (lineSeq <= snapshotSeq) {
                continue; // already in the snapshot: the log outlived a crash between the snapshot and its restart
            }
            synchronized (this) {
                seq = Math.max(seq, lineSeq);
            }
            for (JsonNode r : entry.path("put")) {
                String name = r.path("name").asText("");
                try {
                    routes.put(name, new RouteState(RouteJson.readSpec(name, r), r.path("generation").asLong(), r.path("previewKey").asText()));
                } catch (InvalidRouteException e) {
                    throw corrupt(LOG + " line " + (i + 1) + ": route '" + name + "' is invalid: " + e.getMessage());
                }
            }
            for (JsonNode d : entry.path("delete")) {
                routes.remove(d.asText());
                health.remove(d.asText());
            }
            JsonNode h = entry.path("health");
            if (h.isObject()) {
                readHealth(h).forEach(health::put);
                for (Iterator<Map.Entry<String, JsonNode>> it = h.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if (e.getValue().isObject() && e.getValue().isEmpty()) {
                        health.remove(e.getKey());
                    }
                }
            }
            generation = Math.max(generation, entry.get("generation").asLong());
        }
        synchronized (this) {
            logEntries = entries;
            logBytes = raw.length;
        }
        return new Contents(generation, List.copyOf(routes.values()), health);
    }

    /** {"route": {"host:port": "healthy" | "unhealthy"}}; anything else is left out (health is advisory). */
    private static Map<String, Map<EndpointAddress, Health>> readHealth(JsonNode node) {
        Map<String, Map<EndpointAddress, Health>> health = new TreeMap<>();
        if (!node.isObject()) {
            return health;
        }
        for (Iterator<Map.Entry<String, JsonNode>> routes = node.fields(); routes.hasNext(); ) {
            Map.Entry<String, JsonNode> route = routes.next();
            if (!route.getValue().isObject()) {
                continue;
            }
            Map<EndpointAddress, Health> byAddress = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> es = route.getValue().fields(); es.hasNext(); ) {
                Map.Entry<String, JsonNode> e = es.next();
                Optional<EndpointAddress> address = EndpointAddress.parse(e.getKey());
                Health h = switch (e.getValue().asText("")) {
                    case "healthy" -> Health.HEALTHY;
                    case "unhealthy" -> Health.UNHEALTHY;
                    default -> null;
                };
                if (address.isPresent() && h != null) {
                    byAddress.put(address.get(), h);
                }
            }
            health.put(route.getKey(), byAddress);
        }
        return health;
    }

    private CorruptStateException corrupt(String why) {
        String hint = Files.exists(backup)
                ? "the previous good state is in " + backup + ": inspect both, then copy the backup over " + file + " to restore it"
                : "there is no backup; fix or remove " + file + " (removing it starts the router with no routes)";
        return new CorruptStateException("state file " + file + " cannot be used: " + why + "; " + hint);
    }

    /**
     * Makes {@code contents} the state on disk: one line appended to the log with what changed since
     * the last write, forced to disk before this returns; or a new snapshot, when there is none yet or
     * the log has grown enough. A crash at any point leaves the state before or after the change. It
     * compares every route with the last write: {@link #append} is the same at the cost of the change.
     */
    public synchronized void write(Contents contents) throws IOException {
        if (closed) {
            throw new IOException("the router is stopping: " + file + " takes no more changes");
        }
        if (!known || !Files.exists(file)) {
            hold(contents);
            snapshot();
            return;
        }
        List<RouteState> put = new ArrayList<>();
        Set<String> present = new HashSet<>();
        for (RouteState r : contents.routes()) {
            present.add(r.name());
            if (!r.equals(routes.get(r.name()))) {
                put.add(r);
            }
        }
        List<String> delete = routes.keySet().stream().filter(n -> !present.contains(n)).toList();
        Map<String, Map<EndpointAddress, Health>> changedHealth = new HashMap<>();
        Set<String> routesWithHealth = new HashSet<>(health.keySet());
        routesWithHealth.addAll(contents.health().keySet());
        for (String route : routesWithHealth) {
            Map<EndpointAddress, Health> is = contents.health().getOrDefault(route, Map.of());
            if (!health.getOrDefault(route, Map.of()).equals(is)) {
                changedHealth.put(route, is);
            }
        }
        append(new Change(contents.generation(), put, delete, changedHealth));
    }

    /**
     * Makes {@code change} part of the state on disk: one line appended to the log and forced to disk
     * before this returns (its cost is the change's, whatever the number of routes), or a new snapshot
     * when there is none yet or the log has grown enough. A crash at any point leaves the state before
     * or after the change. Health for a route the table does not hold (after the change) is left out.
     */
    public synchronized void append(Change change) throws IOException {
        if (closed) {
            throw new IOException("the router is stopping: " + file + " takes no more changes");
        }
        if (!known || !Files.exists(file)) {
            apply(change);
            known = true;
            snapshot();
            return;
        }
        byte[] line = changeLine(change, seq + 1);
        if (line == null) {
            return; // nothing changed
        }
        if (logEntries + 1 > maxLogEntries || logBytes + line.length > Math.max(snapshotBytes, 64 * 1024)) {
            apply(change);
            snapshot();
            return;
        }
        if (log == null) {
            log = FileChannel.open(logFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            fsyncDirectory(); // the log's name, when it was just created
        }
        ByteBuffer buf = ByteBuffer.wrap(line);
        while (buf.hasRemaining()) {
            log.write(buf);
        }
        log.force(false);
        seq++;
        logEntries++;
        logBytes += line.length;
        apply(change);
    }

    /** Makes the held state {@code contents}. */
    private void hold(Contents contents) {
        routes.clear();
        contents.routes().forEach(r -> routes.put(r.name(), r));
        health.clear();
        health.putAll(contents.health());
        generation = contents.generation();
        known = true;
    }

    /** Applies {@code change} to the held state. */
    private void apply(Change change) {
        change.put().forEach(r -> routes.put(r.name(), r));
        for (String name : change.delete()) {
            routes.remove(name);
            health.remove(name);
        }
        change.health().forEach((route, byAddress) -> {
            if (!routes.containsKey(route)) {
                return;
            }
            Map<EndpointAddress, Health> known = knownOnly(byAddress);
            if (known.isEmpty()) {
                health.remove(route);
            } else {
                health.put(route, known);
            }
        });
        generation = change.generation();
    }

    private static Map<EndpointAddress, Health> knownOnly(Map<EndpointAddress, Health> byAddress) {
        Map<EndpointAddress, Health> known = new LinkedHashMap<>();
        byAddress.forEach((a, h) -> {
            if (h != Health.PENDING) {
                known.put(a, h);
            }
        });
        return Map.copyOf(known);
    }

    /** One JSON line: the routes the change added or replaced, the ones it removed, the health it changed; null when nothing did. */
    private byte[] changeLine(Change change, long seq) throws IOException {
        ObjectNode entry = RouteJson.MAPPER.createObjectNode();
        entry.put("seq", seq);
        entry.put("generation", change.generation());
        ArrayNode put = entry.putArray("put");
        for (RouteState r : change.put()) {
            if (!r.equals(routes.get(r.name()))) {
                put.add(RouteJson.write(r));
            }
        }
        ArrayNode delete = entry.putArray("delete");
        Set<String> deleted = new HashSet<>();
        change.delete().stream().filter(routes::containsKey).sorted().forEach(n -> {
            delete.add(n);
            deleted.add(n);
        });
        Set<String> putNames = new HashSet<>();
        change.put().forEach(r -> putNames.add(r.name()));
        ObjectNode healthNode = entry.putObject("health");
        new TreeMap<>(change.health()).forEach((route, byAddress) -> {
            boolean held = putNames.contains(route) || (routes.containsKey(route) && !deleted.contains(route));
            Map<EndpointAddress, Health> is = knownOnly(byAddress);
            if (held && !health.getOrDefault(route, Map.of()).equals(is)) {
                writeHealth(healthNode.putObject(route), is); // {} when none is known any more
            }
        });
        if (put.isEmpty() && delete.isEmpty() && healthNode.isEmpty() && change.generation() == generation) {
            return null;
        }
        return (RouteJson.MAPPER.writeValueAsString(entry) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static void writeHealth(ObjectNode r, Map<EndpointAddress, Health> byAddress) {
        byAddress.entrySet().stream().sorted(Map.Entry.comparingByKey(java.util.Comparator.comparing(EndpointAddress::toString)))
                .forEach(e -> r.put(e.getKey().toString(), e.getValue() == Health.HEALTHY ? "healthy" : "unhealthy"));
    }

    /** Writes the held state as a whole snapshot atomically, then starts the log over (its changes are all in the snapshot). */
    private void snapshot() throws IOException {
        Files.createDirectories(dir);
        ObjectNode root = RouteJson.MAPPER.createObjectNode();
        root.put("format", FORMAT);
        root.put("seq", seq + 1);
        root.put("generation", generation);
        ArrayNode routeNodes = root.putArray("routes");
        routes.values().forEach(r -> routeNodes.add(RouteJson.write(r)));
        if (!health.isEmpty()) {
            ObjectNode healthNode = root.putObject("health");
            health.forEach((route, byAddress) -> writeHealth(healthNode.putObject(route), byAddress));
        }
        byte[] bytes = RouteJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);

        Path tmp = dir.resolve(NAME + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        if (Files.exists(file)) {
            // keep the current good file as the backup: hard link then rename, both atomic
            Path link = dir.resolve(BACKUP + ".tmp");
            Files.deleteIfExists(link);
            Files.createLink(link, file);
            move(link, backup);
        }
        move(tmp, file);
        fsyncDirectory();
        // the snapshot holds every change the log had: start it over (a crash before this replays it over the
        // snapshot, which changes nothing, since each line sets routes and health whole)
        if (log != null) {
            log.close();
            log = null;
        }
        if (Files.exists(logFile)) {
            Path empty = dir.resolve(LOG + ".tmp");
            Files.write(empty, new byte[0]);
            move(empty, logFile);
            fsyncDirectory();
        }
        seq++;
        snapshotBytes = bytes.length;
        logEntries = 0;
        logBytes = 0;
    }

    /** Writes what {@link #load} read as a new snapshot when it had changes in the log: a router starts with the log empty. */
    public synchronized void compact() throws IOException {
        if (known && logEntries > 0) {
            snapshot();
        }
    }

    /** True once {@link #close} ran: writes are refused (a successor may own the directory now). */
    public synchronized boolean isClosed() {
        return closed;
    }

    /** Closes the log and lets go of the directory (the router is stopping); later writes are refused. */
    public synchronized void close() {
        closed = true;
        if (lock != null) {
            try {
                lock.release();
                lockChannel.close();
            } catch (IOException e) {
                // closing the channel releases the lock; the process ending does too
            }
            lock = null;
            lockChannel = null;
        }
        if (log != null) {
            try {
                log.close();
            } catch (IOException e) {
                // nothing to lose: every change was forced to disk as it was written
            }
            log = null;
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private void fsyncDirectory() {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // some file systems cannot open a directory for fsync; the rename is still atomic
        }
    }
}
