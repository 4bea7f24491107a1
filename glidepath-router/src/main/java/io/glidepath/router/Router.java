package io.glidepath.router;

import io.glidepath.router.acme.AcmeCertificates;
import io.glidepath.router.acme.AcmeSettings;
import io.glidepath.router.acme.AcmeStore;
import io.glidepath.router.admin.AdminServer;
import io.glidepath.auth.BearerToken;
import io.glidepath.router.drain.Drainer;
import io.glidepath.router.handoff.FiguresHandoff;
import io.glidepath.router.metrics.RouterMetrics;
import io.glidepath.router.proxy.AccessLog;
import io.glidepath.router.proxy.ListenerCounters;
import io.glidepath.router.proxy.ProxyServer;
import io.glidepath.router.proxy.ProxySettings;
import io.glidepath.router.proxy.Transport;
import io.glidepath.router.route.RouteRegistry;
import io.glidepath.router.state.CorruptStateException;
import io.glidepath.router.state.StateFile;
import io.glidepath.router.tls.CertificateWatcher;
import io.glidepath.router.tls.Certificates;
import io.glidepath.router.proxy.ListenOn;
import io.netty.channel.unix.FileDescriptor;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Deque;
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
     * @param tls        null: plain HTTP only; else an HTTPS listener beside it
     * @param routesFrom null: routes are changed through the admin API; else where they come from instead
     *                   (a replica in a Kubernetes cluster), which the admin API then names when it refuses a
     *                   change, and its health check answers 503 until {@link Router#routesLoaded()}
     */
    public record Config(String listenHost, int listenPort, String adminHost, int adminPort, Path stateDir, Path tokenFile,
                         ProxySettings proxy, Duration shutdownTimeout, String routesFrom, String accessLog, Tls tls, Inherited inherited) {

        public Config(String listenHost, int listenPort, String adminHost, int adminPort, Path stateDir, Path tokenFile,
                      ProxySettings proxy, Duration shutdownTimeout) {
            this(listenHost, listenPort, adminHost, adminPort, stateDir, tokenFile, proxy, shutdownTimeout, null, null, null, null);
        }

        /**
         * Accept on listening sockets handed over by the process that keeps them (the supervisor's
         * {@link io.glidepath.router.handoff.ListenerKeeper}) instead of binding: {@code tls} may be null when
         * there is no HTTPS listener. The state directory may still be held by the router this one takes
         * over from; the start waits for it to let go.
         */
        public Config withInherited(FileDescriptor plain, FileDescriptor tlsListener) {
            return new Config(listenHost, listenPort, adminHost, adminPort, stateDir, tokenFile, proxy, shutdownTimeout, routesFrom, accessLog, tls,
                    new Inherited(plain, tlsListener));
        }

        /** An HTTPS listener on {@code host:port} beside the plain one, with the certificates of {@code certificates} (a directory of PEM files). */
        public Config withTls(String host, int port, Path certificates) {
            return new Config(listenHost, listenPort, adminHost, adminPort, stateDir, tokenFile, proxy, shutdownTimeout, routesFrom, accessLog,
                    new Tls(host, port, certificates, tls == null ? null : tls.acme()), inherited);
        }

        /**
         * An HTTPS listener whose certificates come from the operator's directory {@code certificates}
         * (null: none) and from an ACME CA for the routes' host names ({@code acme}; null: none), kept
         * under {@code stateDir/acme/}.
         */
        public Config withTls(String host, int port, Path certificates, AcmeSettings acme) {
            return new Config(listenHost, listenPort, adminHost, adminPort, stateDir, tokenFile, proxy, shutdownTimeout, routesFrom, accessLog,
                    new Tls(host, port, certificates, acme), inherited);
        }

        /** Each request's JSON line to {@code target}, a file or "-" for standard output; null for no access log. */
        public Config withAccessLog(String target) {
            return new Config(listenHost, listenPort, adminHost, adminPort, stateDir, tokenFile, proxy, shutdownTimeout, routesFrom, target, tls, inherited);
        }

        public static Config loopback(Path stateDir) {
            return new Config("127.0.0.1", 0, "127.0.0.1", 0, stateDir, null, ProxySettings.defaults(), Duration.ofSeconds(30));
        }

        /** The same router, taking its routes from {@code source} (such as the cluster's ConfigMaps) instead of its admin API. */
        public Config withRoutesFrom(String source) {
            return new Config(listenHost, listenPort, adminHost, adminPort, stateDir, tokenFile, proxy, shutdownTimeout, source, accessLog, tls, inherited);
        }

        public Config withListen(String host, int port) {
            return new Config(host, port, adminHost, adminPort, stateDir, tokenFile, proxy, shutdownTimeout, routesFrom, accessLog, tls, inherited);
        }

        public Config withAdmin(String host, int port) {
            return new Config(listenHost, listenPort, host, port, stateDir, tokenFile, proxy, shutdownTimeout, routesFrom, accessLog, tls, inherited);
        }

        public Config withTokenFile(Path file) {
            return new Config(listenHost, listenPort, adminHost, adminPort, stateDir, file, proxy, shutdownTimeout, routesFrom, accessLog, tls, inherited);
        }

        public Config withProxy(ProxySettings p) {
            return new Config(listenHost, listenPort, adminHost, adminPort, stateDir, tokenFile, p, shutdownTimeout, routesFrom, accessLog, tls, inherited);
        }

        public Config withShutdownTimeout(Duration d) {
            return new Config(listenHost, listenPort, adminHost, adminPort, stateDir, tokenFile, proxy, d, routesFrom, accessLog, tls, inherited);
        }

        /** Listening sockets handed over; {@code tls} null without an HTTPS listener. */
        public record Inherited(FileDescriptor plain, FileDescriptor tls) {
        }

        /**
         * The HTTPS listener: where, the operator's directory of certificates (null: none), and ACME
         * (null: none). One of the two at least.
         */
        public record Tls(String host, int port, Path certificates, AcmeSettings acme) {
            public Tls {
                if (certificates == null && acme == null) {
                    throw new IllegalArgumentException("the HTTPS listener needs certificates: a directory of PEM files, ACME, or both");
                }
            }

            public Tls(String host, int port, Path certificates) {
                this(host, port, certificates, null);
            }
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
    private final InetSocketAddress tlsAddress;
    private final InetSocketAddress adminAddress;
    private final Certificates certificates;
    private final CertificateWatcher certificateWatcher;
    private final AcmeCertificates acme;
    private final AtomicBoolean loaded;

    private Router(Config config, RouteRegistry registry, Drainer drainer, ProxyServer proxy, AdminServer admin, InetSocketAddress proxyAddress,
                   InetSocketAddress tlsAddress, InetSocketAddress adminAddress, Certificates certificates, CertificateWatcher certificateWatcher,
                   AcmeCertificates acme, AtomicBoolean loaded) {
        this.acme = acme;
        this.loaded = loaded;
        this.config = config;
        this.registry = registry;
        this.drainer = drainer;
        this.proxy = proxy;
        this.admin = admin;
        this.proxyAddress = proxyAddress;
        this.tlsAddress = tlsAddress;
        this.adminAddress = adminAddress;
        this.certificates = certificates;
        this.certificateWatcher = certificateWatcher;
    }

    /** How long a router handed listeners waits for the one before it to let go of the state directory. */
    static final Duration PREDECESSOR_WAIT = Duration.ofSeconds(60);

    /** How often the certificate directory is looked at for changes. */
    static final Duration CERTIFICATE_POLL = Duration.ofSeconds(2);

    public static Router start(Config config) throws IOException, CorruptStateException, InterruptedException {
        StateFile state = new StateFile(config.stateDir());
        // made before the wait for the state directory: a successor opens the admin port moments after the one before closed it
        Vertx adminRuntime = AdminServer.runtime();
        StateFile.Contents contents;
        try {
            // a router taking over listeners may start while the one before still drains: it lets go of the directory first
            state.lock(config.inherited() != null ? PREDECESSOR_WAIT : Duration.ZERO);
            try {
                contents = state.load();
            } catch (IOException | CorruptStateException | RuntimeException e) {
                state.close();
                throw e;
            }
        } catch (IOException | CorruptStateException | RuntimeException e) {
            adminRuntime.close();
            throw e;
        }
        state.compact(); // the log's changes into a new snapshot: each start replays at most one log
        BearerToken token = BearerToken.loadOrCreate(config.effectiveTokenFile(), config.tokenFile() == null);
        RouteRegistry registry = new RouteRegistry(state);
        registry.restore(contents);
        // the figures of the router before, if it stopped just now: windows the judge reads span the restart
        FiguresHandoff.absorb(config.stateDir(), registry.runtimes(), System.currentTimeMillis());
        if (!contents.routes().isEmpty()) {
            log.info("restored {} routes from {} (generation {})", contents.routes().size(), state.path(), contents.generation());
        }
        Deque<AutoCloseable> opened = new ArrayDeque<>(); // closed in reverse when a later part does not start
        opened.push(adminRuntime::close);
        opened.push(registry);
        try {
            Certificates certificates = null;
            AcmeCertificates acme = null;
            if (config.tls() != null) {
                List<Path> dirs = new ArrayList<>();
                if (config.tls().certificates() != null) {
                    dirs.add(config.tls().certificates());
                }
                AcmeStore acmeStore = null;
                if (config.tls().acme() != null) {
                    acmeStore = AcmeStore.open(config.stateDir());
                    dirs.add(acmeStore.certificatesDirectory()); // after the operator's: their files win a name
                }
                certificates = Certificates.load(dirs, acmeStore != null);
                if (acmeStore != null) {
                    acme = AcmeCertificates.create(config.tls().acme(), acmeStore, certificates, Clock.systemUTC());
                    opened.push(acme);
                }
            }
            AccessLog accessLog = null;
            if (config.accessLog() != null) {
                try {
                    accessLog = AccessLog.to(config.accessLog());
                } catch (IOException e) {
                    throw new IOException("cannot open the access log " + config.accessLog() + ": " + e.getMessage(), e);
                }
            }
            ProxyServer proxy = new ProxyServer(registry::table, config.proxy(), accessLog);
            opened.push(proxy);
            if (acme != null) {
                proxy.answerAcmeChallenges(acme.challenges());
            }
            Drainer drainer = new Drainer(registry, proxy::cut).start();
            opened.push(drainer);
            ListenOn plain = config.inherited() != null ? ListenOn.inherited(config.inherited().plain())
                    : ListenOn.address(config.listenHost(), config.listenPort());
            InetSocketAddress proxyAddress = listen(() -> proxy.start(plain), "cannot listen on " + plain);
            InetSocketAddress tlsAddress = null;
            CertificateWatcher watcher = null;
            if (certificates != null) {
                Certificates certs = certificates;
                ListenOn secure = config.inherited() != null && config.inherited().tls() != null ? ListenOn.inherited(config.inherited().tls())
                        : ListenOn.address(config.tls().host(), config.tls().port());
                tlsAddress = listen(() -> proxy.startTls(secure, certs), "cannot listen for HTTPS on " + secure);
                watcher = CertificateWatcher.start(certificates, CERTIFICATE_POLL);
                opened.push(watcher);
            }
            if (acme != null) {
                AcmeCertificates a = acme;
                registry.onPublish(a::routesChanged);
                a.start(registry.table()); // the listeners answer challenges from now on
            }
            RouterMetrics metrics = new RouterMetrics(registry, proxy.counters(), Optional.ofNullable(certificates), Optional.ofNullable(acme));
            // a replica fed by the cluster is not ready until it has read the cluster's routes
            AtomicBoolean loaded = new AtomicBoolean(config.routesFrom() == null);
            AdminServer admin = new AdminServer(registry, token, metrics, Optional.ofNullable(config.routesFrom()), loaded::get,
                    Optional.ofNullable(certificates), Optional.ofNullable(acme), adminRuntime);
            opened.push(admin);
            InetSocketAddress adminAddress;
            try {
                adminAddress = admin.start(config.adminHost(), config.adminPort());
            } catch (IOException e) {
                throw new IOException("cannot listen for the admin API on " + config.adminHost() + ":" + config.adminPort() + ": " + e.getMessage(), e);
            }
            return new Router(config, registry, drainer, proxy, admin, proxyAddress, tlsAddress, adminAddress, certificates, watcher, acme, loaded);
        } catch (IOException | RuntimeException | InterruptedException e) {
            while (!opened.isEmpty()) {
                try {
                    opened.pop().close();
                } catch (Exception closing) {
                    e.addSuppressed(closing);
                }
            }
            throw e;
        }
    }

    private interface Bind {
        InetSocketAddress bind() throws InterruptedException;
    }

    private static InetSocketAddress listen(Bind bind, String what) throws IOException, InterruptedException {
        try {
            return bind.bind();
        } catch (RuntimeException e) {
            throw new IOException(what + ": " + e.getMessage(), e);
        }
    }

    /** Routes from elsewhere ({@link Config#routesFrom()}) are all served: the health check says ok from now on. */
    public void routesLoaded() {
        loaded.set(true);
    }

    /** How the proxy's sockets talk to the kernel (io_uring where the machine allows it). */
    public Transport transport() {
        return proxy.transport();
    }

    public InetSocketAddress proxyAddress() {
        return proxyAddress;
    }

    public InetSocketAddress adminAddress() {
        return adminAddress;
    }

    /** The HTTPS listener's address; empty without one. */
    public Optional<InetSocketAddress> tlsAddress() {
        return Optional.ofNullable(tlsAddress);
    }

    /** The HTTPS listener's certificates; empty without one. */
    public Optional<Certificates> certificates() {
        return Optional.ofNullable(certificates);
    }

    /** The ACME client's names and their state; empty without ACME. */
    public Optional<AcmeCertificates> acme() {
        return Optional.ofNullable(acme);
    }

    /** What the data path counts beside the routes (connections, malformed requests, slow clients). */
    public ListenerCounters listenerCounters() {
        return proxy.counters();
    }

    /** The routing table's write side and each route's runtime (for whoever embeds the router, and tests). */
    public RouteRegistry routes() {
        return registry;
    }

    /** How long admin calls in flight may take to finish when the router stops. */
    static final Duration ADMIN_GRACE = Duration.ofSeconds(5);

    /** The figures so far, for whichever router takes the state directory next (FiguresHandoff); a failure costs only them. */
    private void handOverFigures() {
        try {
            FiguresHandoff.write(config.stateDir(), registry.runtimes(), System.currentTimeMillis());
        } catch (IOException | RuntimeException e) {
            log.warn("could not hand the figures over in {}: {}; the next router's figures start from nothing", config.stateDir(), e.getMessage());
        }
    }

    private void certificateWatcherStop() {
        if (certificateWatcher != null) {
            certificateWatcher.close();
        }
    }

    /**
     * Graceful stop: no new connections, in-flight requests finish (up to the shutdown timeout),
     * then everything closes. Returns true when nothing had to be cut.
     */
    public boolean shutdown() throws InterruptedException {
        // first the admin API and the state directory, which a successor handed the same listeners takes
        // next (it waits for the directory); then the proxy stops accepting, and connections still waiting
        // in the shared accept queue go to the successor
        admin.shutdown(ADMIN_GRACE);
        certificateWatcherStop();
        if (acme != null) {
            acme.close(); // its account and certificates are in the state directory too
        }
        handOverFigures();
        registry.letGoOfState();
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
        if (acme != null) {
            acme.close();
        }
        certificateWatcherStop();
        admin.close();
        proxy.close();
        drainer.close();
        registry.close();
    }
}
