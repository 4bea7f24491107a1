package io.glidepath.router;

import io.glidepath.router.admin.AdminServer;
import io.glidepath.auth.BearerToken;
import io.glidepath.router.drain.Drainer;
import io.glidepath.router.metrics.RouterMetrics;
import io.glidepath.router.proxy.AccessLog;
import io.glidepath.router.proxy.ListenerCounters;
import io.glidepath.router.proxy.ProxyServer;
import io.glidepath.router.proxy.ProxySettings;
import io.glidepath.router.route.RouteRegistry;
import io.glidepath.router.state.CorruptStateException;
import io.glidepath.router.state.StateFile;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router process's parts, wired: state file, route registry (with health checks), drainer,
 * proxy listener and admin API. Routes come back from the state file with each endpoint's last known
 * health: healthy ones serve from the first request (checked at once, out on the first failure);
 * endpoints of unknown health are checked before the listener opens.
 */
public final class Router implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Router.class);

    /**
     * How to run.
     *
     * @param tokenFile the admin token; null means {@code stateDir/admin.token}, created when missing
     * @param accessLog  null: no access log; else a file, or "-" for standard output ({@link AccessLog})
     * @param routesFrom null: routes are changed through the admin API; else where they come from instead
     *                   (a replica in a Kubernetes cluster), which the admin API then names when it refuses a
     *                   change, and its health check answers 503 until {@link Router#routesLoaded()}
     */
    public record Config(String listenHost, int listenPort, String adminHost, int adminPort, Path stateDir, Path tokenFile,
                         ProxySettings proxy, Duration shutdownTimeout, String routesFrom, String accessLog) {

        public Config(String listenHost, int listenPort, String adminHost, int adminPort, Path stateDir, Path tokenFile,
                      ProxySettings proxy, Duration shutdownTimeout) {
            this(listenHost, listenPort, adminHost, adminPort, stateDir, tokenFile, proxy, shutdownTimeout, null, null);
        }

        /** Each request's JSON line to {@code target}, a file or "-" for standard output; null for no access log. */
        public Config withAccessLog(String target) {
            return new Config(listenHost, listenPort, adminHost, adminPort, stateDir, tokenFile, proxy, shutdownTimeout, routesFrom, target);
        }

        public static Config loopback(Path stateDir) {
            return new Config("127.0.0.1", 0, "127.0.0.1", 0, stateDir, null, ProxySettings.defaults(), Duration.ofSeconds(30));
        }

        /** The same router, taking its routes from {@code source} (such as the cluster's ConfigMaps) instead of its admin API. */
        public Config withRoutesFrom(String source) {
            return new Config(listenHost, listenPort, adminHost, adminPort, stateDir, tokenFile, proxy, shutdownTimeout, source, accessLog);
        }

        public Config withListen(String host, int port) {
            return new Config(host, port, adminHost, adminPort, stateDir, tokenFile, proxy, shutdownTimeout, routesFrom, accessLog);
        }

        public Config withAdmin(String host, int port) {
            return new Config(listenHost, listenPort, host, port, stateDir, tokenFile, proxy, shutdownTimeout, routesFrom, accessLog);
        }

        public Config withTokenFile(Path file) {
            return new Config(listenHost, listenPort, adminHost, adminPort, stateDir, file, proxy, shutdownTimeout, routesFrom, accessLog);
        }

        public Config withProxy(ProxySettings p) {
            return new Config(listenHost, listenPort, adminHost, adminPort, stateDir, tokenFile, p, shutdownTimeout, routesFrom, accessLog);
        }

        public Config withShutdownTimeout(Duration d) {
            return new Config(listenHost, listenPort, adminHost, adminPort, stateDir, tokenFile, proxy, d, routesFrom, accessLog);
        }

        public Path effectiveTokenFile() {
            return tokenFile != null ? tokenFile : stateDir.resolve("admin.token");
        }
    }

    private final Config config;
    private final RouteRegistry registry;
    private final Drainer drainer;
    private final ProxyServer proxy;
    private final AdminServer admin;
    private final InetSocketAddress proxyAddress;
    private final InetSocketAddress adminAddress;
    private final AtomicBoolean loaded;

    private Router(Config config, RouteRegistry registry, Drainer drainer, ProxyServer proxy, AdminServer admin,
                   InetSocketAddress proxyAddress, InetSocketAddress adminAddress, AtomicBoolean loaded) {
        this.loaded = loaded;
        this.config = config;
        this.registry = registry;
        this.drainer = drainer;
        this.proxy = proxy;
        this.admin = admin;
        this.proxyAddress = proxyAddress;
        this.adminAddress = adminAddress;
    }

    public static Router start(Config config) throws IOException, CorruptStateException, InterruptedException {
        StateFile state = new StateFile(config.stateDir());
        StateFile.Contents contents = state.load();
        BearerToken token = BearerToken.loadOrCreate(config.effectiveTokenFile(), config.tokenFile() == null);
        RouteRegistry registry = new RouteRegistry(state);
        registry.restore(contents);
        if (!contents.routes().isEmpty()) {
            log.info("restored {} routes from {} (generation {})", contents.routes().size(), state.path(), contents.generation());
        }
        AccessLog accessLog;
        try {
            accessLog = config.accessLog() == null ? null : AccessLog.to(config.accessLog());
        } catch (IOException e) {
            registry.close();
            throw new IOException("cannot open the access log " + config.accessLog() + ": " + e.getMessage(), e);
        }
        ProxyServer proxy = new ProxyServer(registry::table, config.proxy(), accessLog);
        Drainer drainer = new Drainer(registry, proxy::cut).start();
        InetSocketAddress proxyAddress;
        try {
            proxyAddress = proxy.start(config.listenHost(), config.listenPort());
        } catch (RuntimeException | InterruptedException e) {
            proxy.close();
            drainer.close();
            registry.close();
            throw new IOException("cannot listen on " + config.listenHost() + ":" + config.listenPort() + ": " + e.getMessage(), e);
        }
        RouterMetrics metrics = new RouterMetrics(registry, proxy.counters());
        // a replica fed by the cluster is not ready until it has read the cluster's routes
        AtomicBoolean loaded = new AtomicBoolean(config.routesFrom() == null);
        AdminServer admin = new AdminServer(registry, token, metrics, Optional.ofNullable(config.routesFrom()), loaded::get);
        InetSocketAddress adminAddress;
        try {
            adminAddress = admin.start(config.adminHost(), config.adminPort());
        } catch (IOException e) {
            admin.close();
            proxy.close();
            drainer.close();
            registry.close();
            throw new IOException("cannot listen for the admin API on " + config.adminHost() + ":" + config.adminPort() + ": " + e.getMessage(), e);
        }
        return new Router(config, registry, drainer, proxy, admin, proxyAddress, adminAddress, loaded);
    }

    /** Routes from elsewhere ({@link Config#routesFrom()}) are all served: the health check says ok from now on. */
    public void routesLoaded() {
        loaded.set(true);
    }

    public InetSocketAddress proxyAddress() {
        return proxyAddress;
    }

    public InetSocketAddress adminAddress() {
        return adminAddress;
    }

    /** What the data path counts beside the routes (connections, malformed requests, slow clients). */
    public ListenerCounters listenerCounters() {
        return proxy.counters();
    }

    /** The routing table's write side and each route's runtime (for whoever embeds the router, and tests). */
    public RouteRegistry routes() {
        return registry;
    }

    /**
     * Graceful stop: no new connections, in-flight requests finish (up to the shutdown timeout),
     * then everything closes. Returns true when nothing had to be cut.
     */
    public boolean shutdown() throws InterruptedException {
        proxy.beginShutdown();
        boolean clean = proxy.awaitClientsClosed(config.shutdownTimeout());
        if (!clean) {
            log.warn("shutdown deadline of {} reached with {} client connections open: closing them", config.shutdownTimeout(),
                    proxy.openClientConnections());
        }
        close();
        return clean;
    }

    @Override
    public void close() {
        admin.close();
        proxy.close();
        drainer.close();
        registry.close();
    }
}
