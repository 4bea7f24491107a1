package io.glidepath.cli.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.glidepath.cli.options.StoreUrlConverter;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.RouteJson;
import io.glidepath.server.store.StoreUrl;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;

/**
 * The data directory of a local Glidepath (default {@code .glidepath/} in the working directory):
 * {@code router/} (routes, admin token), {@code server/} (database, API token, the store's URL when it is
 * not the default), {@code logs/}
 * (instances' output), {@code run/} (pid files, the router's and server's logs, and
 * {@code endpoints.json} with the addresses {@code glidepath up} chose).
 */
public record DataDir(Path root) {

    /** Where things listen. */
    public record Endpoints(EndpointAddress proxy, EndpointAddress routerAdmin, EndpointAddress api) {
        /** The web dashboard, served by the server at the root of its API (a wildcard listen address is opened on loopback). */
        public String dashboardUrl() {
            String host = api.host().equals("0.0.0.0") || api.host().equals("::") ? "127.0.0.1" : api.host();
            return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + api.port() + "/";
        }
    }

    public static DataDir of(Path flag) {
        if (flag != null) {
            return new DataDir(flag);
        }
        String env = System.getenv("GLIDEPATH_DATA_DIR");
        return new DataDir(Path.of(env != null && !env.isBlank() ? env : ".glidepath"));
    }

    public Path routerState() {
        return root.resolve("router");
    }

    public Path routerToken() {
        return routerState().resolve("admin.token");
    }

    public Path server() {
        return root.resolve("server");
    }

    public Path serverToken() {
        return server().resolve("server.token");
    }

    public Path database() {
        return server().resolve("glidepath.db");
    }

    /** Where {@code glidepath up --store} records the store this directory's server uses: its URL, never its password. */
    public Path storeRecord() {
        return server().resolve("store.url");
    }

    /**
     * The store of this data directory's server: the one {@code glidepath up --store} recorded (its password,
     * if it needs one, from $GLIDEPATH_STORE_PASSWORD), else SQLite in {@link #database()}.
     *
     * @throws IllegalArgumentException when the recorded URL cannot be read (masked in the message)
     */
    public StoreUrl store() {
        try {
            if (Files.exists(storeRecord())) {
                return StoreUrl.parse(Files.readString(storeRecord()), StoreUrlConverter.passwordFromEnv());
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + storeRecord() + ": " + e.getMessage(), e);
        }
        return StoreUrl.sqlite(database());
    }

    /** Whether a store other than the default was recorded. */
    public boolean storeRecorded() {
        return Files.exists(storeRecord());
    }

    public void recordStore(StoreUrl store) throws IOException {
        writeAtomically(storeRecord(), store.url() + "\n");
    }

    public Path logs() {
        return root.resolve("logs");
    }

    public Path run() {
        return root.resolve("run");
    }

    public Path pidFile(String what) {
        return run().resolve(what + ".pid");
    }

    public Path log(String what) {
        return run().resolve(what + ".log");
    }

    public Optional<Endpoints> endpoints() {
        Path f = run().resolve("endpoints.json");
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        try {
            JsonNode n = RouteJson.MAPPER.readTree(Files.readString(f));
            return Optional.of(new Endpoints(addr(n, "proxy"), addr(n, "routerAdmin"), addr(n, "api")));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static EndpointAddress addr(JsonNode n, String field) {
        return EndpointAddress.parse(n.path(field).asText()).orElseThrow(() -> new IllegalStateException("endpoints.json lacks " + field));
    }

    public void writeEndpoints(Endpoints e) throws IOException {
        ObjectNode n = RouteJson.MAPPER.createObjectNode();
        n.put("proxy", e.proxy().toString());
        n.put("routerAdmin", e.routerAdmin().toString());
        n.put("api", e.api().toString());
        writeAtomically(run().resolve("endpoints.json"), n.toPrettyString());
    }

    public void forgetEndpoints() throws IOException {
        Files.deleteIfExists(run().resolve("endpoints.json"));
    }

    /** The live process whose pid is in {@code what}.pid, if any (a zombie is not live: see {@link #running}). */
    public Optional<ProcessHandle> process(String what) {
        try {
            long pid = Long.parseLong(Files.readString(pidFile(what)).strip());
            return ProcessHandle.of(pid).filter(DataDir::running);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * Alive and not a zombie. A router or server that died (SIGKILL, a crash) after its parent {@code up}
     * exited waits as a zombie until init reaps it, which some inits do late (here about 1.5 s) or, as
     * pid 1 of a container without an init, never; {@link ProcessHandle#isAlive} counts a zombie as
     * alive, which would keep {@code up} from starting a new one. A zombie holds no socket.
     */
    public static boolean running(ProcessHandle p) {
        if (!p.isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(p.pid()), "stat"));
            int afterName = stat.lastIndexOf(')'); // the command name, in parentheses, may hold anything
            char state = afterName >= 0 && afterName + 2 < stat.length() ? stat.charAt(afterName + 2) : '?';
            return state != 'Z' && state != 'X';
        } catch (IOException | RuntimeException e) {
            return p.isAlive(); // no /proc (or gone meanwhile): what the JDK says
        }
    }

    /**
     * Waits until {@code p} is no longer {@link #running}, at most {@code max}; whether it stopped. Polls:
     * onExit() of a process that is not this JVM's child waits for init to reap it (late, or never, for some inits).
     */
    public static boolean awaitGone(ProcessHandle p, Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        while (running(p) && System.nanoTime() < deadline) {
            LockSupport.parkNanos(20_000_000L); // waiting on another process
        }
        return !running(p);
    }

    public void writePid(String what, long pid) throws IOException {
        writeAtomically(pidFile(what), pid + "\n");
    }

    static void writeAtomically(Path file, String text) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text);
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
