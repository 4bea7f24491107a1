package io.glidepath.examples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The inventory example's service, "stock": items with a quantity in PostgreSQL, read and written over
 * HTTP. Version 1 keeps the quantity in column {@code qty}; version 2 in {@code quantity}, after an
 * expand migration that adds it with a trigger keeping both in step (examples/inventory).
 *
 * <p>Settings (environment): {@code PORT}, {@code VERSION}, {@code DB_URL} (a JDBC URL naming the user),
 * {@code DB_PASSWORD} (optional), {@code QUANTITY_COLUMN} ({@code qty} or {@code quantity}),
 * {@code APPLICATION_NAME} (the sessions' application_name: Glidepath's {@code {{applicationName}}}, by
 * which a contract migration knows this version is gone). Paths, each under {@code /stock}: {@code GET /health};
 * {@code POST /items?sku=S&n=N} (a new item, answers its id); {@code POST /items/ID/add?n=N} (adds to
 * its quantity, answers the new one); {@code GET /items/ID} (its quantity); {@code GET /check} (writes an
 * item and reads it back: the smoke check). Each request uses one of the service's connections.
 */
public final class InventoryService {
    private static final int THREADS = 8;
    /** Where users reach it through the router (its route's path prefix). */
    static final String PREFIX = "/stock";

    private final String version;
    private final String url;
    private final Properties props = new Properties();
    private final String column;
    private final ThreadLocal<Connection> connection = new ThreadLocal<>();
    private final Map<Thread, Connection> all = new java.util.concurrent.ConcurrentHashMap<>();
    private HttpServer server;
    private ExecutorService executor;

    InventoryService(Map<String, String> env) {
        this.version = env.getOrDefault("VERSION", "v1");
        this.url = env.get("DB_URL");
        this.column = env.getOrDefault("QUANTITY_COLUMN", "qty");
        if (!column.equals("qty") && !column.equals("quantity")) {
            throw new IllegalArgumentException("QUANTITY_COLUMN must be qty or quantity");
        }
        if (env.get("DB_PASSWORD") != null) {
            props.setProperty("password", env.get("DB_PASSWORD"));
        }
        props.setProperty("ApplicationName", env.getOrDefault("APPLICATION_NAME", "stock-" + version));
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> env = new HashMap<>(System.getenv());
        if (env.get("PORT") == null || env.get("DB_URL") == null) {
            System.err.println("stock-service: set PORT and DB_URL");
            System.exit(2);
        }
        InventoryService s = new InventoryService(env);
        s.start(Integer.parseInt(env.get("PORT")));
        System.out.println("stock-service " + s.version + " (column " + s.column + ") listening on port " + s.server.getAddress().getPort());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            s.stop();
            stopped.countDown();
        }));
        stopped.await();
    }

    void start(int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 128);
        executor = Executors.newFixedThreadPool(THREADS);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Stops taking requests, lets the ones in flight finish, then closes every connection: no session of this version is left. */
    void stop() {
        server.stop(2);
        executor.shutdown();
        all.values().forEach(c -> {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing anyway
            }
        });
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String full = ex.getRequestURI().getPath();
            String path = full.startsWith(PREFIX) ? full.substring(PREFIX.length()) : full;
            Map<String, String> q = query(ex.getRequestURI().getRawQuery());
            String method = ex.getRequestMethod();
            try {
                if (path.equals("/health")) {
                    one("SELECT 1");
                    respond(ex, 200, "ok " + version + "\n");
                } else if (path.equals("/check")) {
                    long id = insert("check-" + version, 1);
                    respond(ex, 200, "check " + version + ": item " + id + " has " + quantity(id) + "\n");
                } else if (path.equals("/items") && method.equals("POST")) {
                    respond(ex, 201, insert(q.getOrDefault("sku", "sku"), Integer.parseInt(q.getOrDefault("n", "0"))) + "\n");
                } else if (path.matches("/items/[0-9]+/add") && method.equals("POST")) {
                    long id = Long.parseLong(path.split("/")[2]);
                    respond(ex, 200, add(id, Integer.parseInt(q.getOrDefault("n", "1"))) + "\n");
                } else if (path.matches("/items/[0-9]+")) {
                    long id = Long.parseLong(path.split("/")[2]);
                    Integer n = quantity(id);
                    respond(ex, n == null ? 404 : 200, n == null ? "no item " + id + "\n" : n + "\n");
                } else {
                    respond(ex, 404, "stock " + version + ": no " + full + "\n");
                }
            } catch (SQLException e) {
                dropConnection();
                respond(ex, 503, "stock " + version + ": database: " + e.getMessage() + "\n");
            } catch (NumberFormatException e) {
                respond(ex, 400, "stock " + version + ": " + e.getMessage() + "\n");
            }
        }
    }

    private long insert(String sku, int n) throws SQLException {
        try (PreparedStatement st = conn().prepareStatement("INSERT INTO items (sku, " + column + ") VALUES (?, ?) RETURNING id")) {
            st.setString(1, sku);
            st.setInt(2, n);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private int add(long id, int n) throws SQLException {
        try (PreparedStatement st = conn().prepareStatement("UPDATE items SET " + column + " = " + column + " + ? WHERE id = ? RETURNING " + column)) {
            st.setInt(1, n);
            st.setLong(2, id);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("no item " + id);
                }
                return rs.getInt(1);
            }
        }
    }

    private Integer quantity(long id) throws SQLException {
        try (PreparedStatement st = conn().prepareStatement("SELECT " + column + " FROM items WHERE id = ?")) {
            st.setLong(1, id);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? rs.getInt(1) : null;
            }
        }
    }

    private void one(String sql) throws SQLException {
        try (PreparedStatement st = conn().prepareStatement(sql)) {
            st.execute();
        }
    }

    private Connection conn() throws SQLException {
        Connection c = connection.get();
        if (c == null || c.isClosed()) {
            c = DriverManager.getConnection(url, props);
            connection.set(c);
            all.put(Thread.currentThread(), c);
        }
        return c;
    }

    private void dropConnection() {
        Connection c = connection.get();
        connection.remove();
        all.remove(Thread.currentThread());
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // it is broken anyway
            }
        }
    }

    private void respond(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        ex.getResponseHeaders().set("X-Version", version);
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new HashMap<>();
        if (raw != null) {
            for (String kv : raw.split("&")) {
                String[] p = kv.split("=", 2);
                out.put(p[0], p.length > 1 ? java.net.URLDecoder.decode(p[1], StandardCharsets.UTF_8) : "");
            }
        }
        return out;
    }
}
