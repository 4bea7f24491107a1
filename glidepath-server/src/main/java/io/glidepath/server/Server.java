package io.glidepath.server;

import io.glidepath.auth.BearerToken;
import io.glidepath.engine.Engine;
import io.glidepath.engine.HttpProber;
import io.glidepath.engine.ServiceDeployment;
import io.glidepath.local.LocalPlatform;
import io.glidepath.route.EndpointAddress;
import io.glidepath.router.client.RouterAdminClient;
import io.glidepath.router.client.RouterMetricSource;
import io.glidepath.router.client.RouterTraffic;
import io.glidepath.server.access.Tokens;
import io.glidepath.server.api.ServerApi;
import io.glidepath.server.store.JdbcStore;
import io.glidepath.server.store.StoreUrl;
import io.glidepath.time.Clock;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control plane, wired: the store (SQLite or PostgreSQL), local platform, the router through its
 * admin API, the engine, the API. On start it deals with releases a previous server left unfinished
 * before it takes new ones.
 */
public final class Server implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Server.class);

    /**
     * How to run. {@code dataDir} holds {@code server/} (database, token) and {@code logs/} (instances).
     * The router is reached at {@code routerAdmin} with the token in {@code routerTokenFile}; users'
     * traffic enters at {@code routerEntry}. The store is at {@code store} (by default SQLite in
     * {@link #defaultDatabase}).
     */
    public record Config(Path dataDir, String host, int port, URI routerAdmin, Path routerTokenFile, EndpointAddress routerEntry, Clock clock,
                         StoreUrl store) {
        /** With the default store, SQLite in the data directory. */
        public Config(Path dataDir, String host, int port, URI routerAdmin, Path routerTokenFile, EndpointAddress routerEntry, Clock clock) {
            this(dataDir, host, port, routerAdmin, routerTokenFile, routerEntry, clock, StoreUrl.sqlite(defaultDatabase(dataDir)));
        }

        public Path tokenFile() {
            return dataDir.resolve("server").resolve("server.token");
        }
    }

    /** Where the server keeps its SQLite store unless told otherwise. */
    public static Path defaultDatabase(Path dataDir) {
        return dataDir.resolve("server").resolve("glidepath.db");
    }

    private final JdbcStore store;
    private final Engine engine;
    private final ServerApi api;
    private final InetSocketAddress address;

    private Server(JdbcStore store, Engine engine, ServerApi api, InetSocketAddress address) {
        this.store = store;
        this.engine = engine;
        this.api = api;
        this.address = address;
    }

    /**
     * Starts the server.
     *
     * @throws IllegalStateException when the store cannot be opened (the message names it, without its password, and what to check)
     */
    public static Server start(Config c) throws IOException {
        Files.createDirectories(c.dataDir().resolve("server"));
        BearerToken.loadOrCreate(c.tokenFile(), true);
        RouterAdminClient admin = new RouterAdminClient(c.routerAdmin(), Files.readString(c.routerTokenFile()).strip());
        JdbcStore store = JdbcStore.open(c.store());
        LocalPlatform platform = LocalPlatform.onThisHost(c.dataDir(), store, Optional.of(c.routerEntry()));
        RouterTraffic traffic = new RouterTraffic(admin, c.routerEntry());
        new Recovery(store, platform, traffic, c.clock()).rollBackUnfinished();
        Engine engine = new Engine(new ServiceDeployment.Seams(platform, traffic, new RouterMetricSource(admin), new HttpProber(), e -> { }, c.clock()),
                store);
        Tokens tokens = new Tokens(store, Files.readString(c.tokenFile()));
        ServerApi api = new ServerApi(engine, store, store, platform, traffic, tokens);
        InetSocketAddress bound;
        try {
            bound = api.start(c.host(), c.port());
        } catch (IOException e) {
            api.close();
            store.close();
            throw new IOException("cannot listen on " + c.host() + ":" + c.port() + ": " + e.getMessage(), e);
        }
        log.info("server API on {}, data in {}, store {}", bound, c.dataDir().toAbsolutePath(), store.url());
        return new Server(store, engine, api, bound);
    }

    public InetSocketAddress address() {
        return address;
    }

    public Engine engine() {
        return engine;
    }

    /**
     * Stops: no more calls; releases in progress roll back (the engine waits for them); the router
     * keeps serving throughout. A server killed without this is handled by the next one's start.
     */
    @Override
    public void close() {
        api.close();
        engine.close();
        store.close();
    }
}
