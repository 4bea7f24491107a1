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
import io.glidepath.server.dashboard.DashboardFiles;
import io.glidepath.server.live.LiveBoard;
import io.glidepath.server.live.LiveFeed;
import io.glidepath.server.store.SqliteStore;
import io.glidepath.time.Clock;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control plane, wired: SQLite store, local platform, the router through its admin API, the
 * engine, the live view's feed, the API and the web dashboard. On start it deals with releases a
 * previous server left unfinished before it takes new ones.
 */
public final class Server implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Server.class);
    /** How often the dashboard's live view is read and sent. */
    static final Duration LIVE_PERIOD = Duration.ofSeconds(1);

    /**
     * How to run. {@code dataDir} holds {@code server/} (database, token) and {@code logs/} (instances).
     * The router is reached at {@code routerAdmin} with the token in {@code routerTokenFile}; users'
     * traffic enters at {@code routerEntry}.
     */
    public record Config(Path dataDir, String host, int port, URI routerAdmin, Path routerTokenFile, EndpointAddress routerEntry, Clock clock) {
        public Path tokenFile() {
            return dataDir.resolve("server").resolve("server.token");
        }
    }

    private final SqliteStore store;
    private final Engine engine;
    private final ServerApi api;
    private final LiveFeed live;
    private final InetSocketAddress address;

    private Server(SqliteStore store, Engine engine, ServerApi api, LiveFeed live, InetSocketAddress address) {
        this.store = store;
        this.engine = engine;
        this.api = api;
        this.live = live;
        this.address = address;
    }

    public static Server start(Config c) throws IOException {
        Files.createDirectories(c.dataDir().resolve("server"));
        BearerToken.loadOrCreate(c.tokenFile(), true);
        RouterAdminClient admin = new RouterAdminClient(c.routerAdmin(), Files.readString(c.routerTokenFile()).strip());
        SqliteStore store = SqliteStore.open(c.dataDir().resolve("server").resolve("glidepath.db"));
        LocalPlatform platform = LocalPlatform.onThisHost(c.dataDir(), store, Optional.of(c.routerEntry()));
        RouterTraffic traffic = new RouterTraffic(admin, c.routerEntry());
        new Recovery(store, platform, traffic, c.clock()).rollBackUnfinished();
        RouterMetricSource metrics = new RouterMetricSource(admin);
        Engine engine = new Engine(new ServiceDeployment.Seams(platform, traffic, metrics, new HttpProber(), e -> { }, c.clock()), store);
        Tokens tokens = new Tokens(store, Files.readString(c.tokenFile()));
        LiveFeed live = new LiveFeed(new LiveBoard(engine, traffic, platform, metrics, c.clock()), c.clock(), LIVE_PERIOD).start();
        ServerApi api = new ServerApi(engine, store, store, platform, traffic, tokens, live, DashboardFiles.load());
        InetSocketAddress bound;
        try {
            bound = api.start(c.host(), c.port());
        } catch (IOException e) {
            api.close();
            live.close();
            store.close();
            throw new IOException("cannot listen on " + c.host() + ":" + c.port() + ": " + e.getMessage(), e);
        }
        log.info("server API and dashboard on {}, data in {}", bound, c.dataDir().toAbsolutePath());
        return new Server(store, engine, api, live, bound);
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
        live.close(); // first: no frame is handed to a closing API
        api.close();
        engine.close();
        store.close();
    }
}
