package io.glidepath.server;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.glidepath.analysis.Judge;
import io.glidepath.analysis.MetricSource;
import io.glidepath.auth.BearerToken;
import io.glidepath.engine.Engine;
import io.glidepath.engine.EngineSeams;
import io.glidepath.engine.Failpoint;
import io.glidepath.engine.recovery.Recovery;
import io.glidepath.kubernetes.ClusterRoutes;
import io.glidepath.kubernetes.GatewayTraffic;
import io.glidepath.kubernetes.KubernetesPlatform;
import io.glidepath.kubernetes.KubernetesTarget;
import io.glidepath.kubernetes.RouterReplicas;
import io.glidepath.kubernetes.ServerLease;
import io.glidepath.local.LocalPlatform;
import io.glidepath.migration.FlywayMigrations;
import io.glidepath.platform.Platform;
import io.glidepath.probe.HttpProber;
import io.glidepath.prometheus.PrometheusEndpoint;
import io.glidepath.prometheus.PrometheusMetrics;
import io.glidepath.route.EndpointAddress;
import io.glidepath.router.client.ReplicaMetricSource;
import io.glidepath.router.client.RouterAdminClient;
import io.glidepath.router.client.RouterMetricSource;
import io.glidepath.router.client.RouterTraffic;
import io.glidepath.server.access.Tokens;
import io.glidepath.server.api.ServerApi;
import io.glidepath.server.dashboard.DashboardFiles;
import io.glidepath.server.live.LiveBoard;
import io.glidepath.server.live.LiveFeed;
import io.glidepath.server.metrics.ServerMetrics;
import io.glidepath.server.notify.InvalidWebhooksException;
import io.glidepath.server.notify.Notifier;
import io.glidepath.server.notify.Webhook;
import io.glidepath.server.notify.WebhooksFile;
import io.glidepath.server.policy.PolicyFile;
import io.glidepath.policy.InvalidPolicyException;
import io.glidepath.server.store.JdbcStore;
import io.glidepath.server.store.StoreUrl;
import io.glidepath.time.Clock;
import io.glidepath.traffic.TrafficException;
import io.glidepath.traffic.TrafficRouter;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control plane, wired: the store (SQLite or PostgreSQL), local platform, the router through its
 * admin API, the engine, webhook notifications, the live view's feed, the API and the web dashboard.
 * On start it finishes what a previous server left unfinished before it takes new work.
 */
public final class Server implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Server.class);
    /** How often the dashboard's live view is read and sent. */
    static final Duration LIVE_PERIOD = Duration.ofSeconds(1);

    /**
     * How to run. {@code dataDir} holds {@code server/} (database, token) and {@code logs/} (instances).
     * The router is reached at {@code routerAdmin} with the token in {@code routerTokenFile}; users'
     * traffic enters at {@code routerEntry}. The store is at {@code store} (by default SQLite in
     * {@link #defaultDatabase}). {@code webhooksFile} (null: DATA/server/webhooks.yaml when it
     * exists) configures notifications. {@code prometheus} (null: none) is the Prometheus that release
     * files reading their figures from Prometheus may leave unnamed; it may carry credentials, never shown.
     */
    public record Config(Path dataDir, String host, int port, URI routerAdmin, Path routerTokenFile, EndpointAddress routerEntry, Clock clock,
                         StoreUrl store, Path webhooksFile, URI prometheus, KubernetesTarget kubernetes, Path policyFile) {
        /** Without a policy file named (the data directory's, when there is one). */
        public Config(Path dataDir, String host, int port, URI routerAdmin, Path routerTokenFile, EndpointAddress routerEntry, Clock clock,
                      StoreUrl store, Path webhooksFile, URI prometheus, KubernetesTarget kubernetes) {
            this(dataDir, host, port, routerAdmin, routerTokenFile, routerEntry, clock, store, webhooksFile, prometheus, kubernetes, null);
        }

        /** Services as processes on this host (no Kubernetes). */
        public Config(Path dataDir, String host, int port, URI routerAdmin, Path routerTokenFile, EndpointAddress routerEntry, Clock clock,
                      StoreUrl store, Path webhooksFile, URI prometheus) {
            this(dataDir, host, port, routerAdmin, routerTokenFile, routerEntry, clock, store, webhooksFile, prometheus, null);
        }

        /** Without a Prometheus of the server's own. */
        public Config(Path dataDir, String host, int port, URI routerAdmin, Path routerTokenFile, EndpointAddress routerEntry, Clock clock,
                      StoreUrl store, Path webhooksFile) {
            this(dataDir, host, port, routerAdmin, routerTokenFile, routerEntry, clock, store, webhooksFile, null);
        }

        /** With the default store, SQLite in the data directory, and the default webhooks. */
        public Config(Path dataDir, String host, int port, URI routerAdmin, Path routerTokenFile, EndpointAddress routerEntry, Clock clock) {
            this(dataDir, host, port, routerAdmin, routerTokenFile, routerEntry, clock, StoreUrl.sqlite(defaultDatabase(dataDir)), null);
        }

        /** With the default webhooks. */
        public Config(Path dataDir, String host, int port, URI routerAdmin, Path routerTokenFile, EndpointAddress routerEntry, Clock clock,
                      StoreUrl store) {
            this(dataDir, host, port, routerAdmin, routerTokenFile, routerEntry, clock, store, null);
        }

        /** With the default store. */
        public Config(Path dataDir, String host, int port, URI routerAdmin, Path routerTokenFile, EndpointAddress routerEntry, Clock clock,
                      Path webhooksFile) {
            this(dataDir, host, port, routerAdmin, routerTokenFile, routerEntry, clock, StoreUrl.sqlite(defaultDatabase(dataDir)), webhooksFile);
        }

        /** The same settings with the server's own Prometheus. */
        public Config withPrometheus(URI url) {
            return new Config(dataDir, host, port, routerAdmin, routerTokenFile, routerEntry, clock, store, webhooksFile, url, kubernetes, policyFile);
        }

        /** The same settings, running services on a Kubernetes cluster instead of this host. */
        public Config withKubernetes(KubernetesTarget target) {
            return new Config(dataDir, host, port, routerAdmin, routerTokenFile, routerEntry, clock, store, webhooksFile, prometheus, target, policyFile);
        }

        /** The same settings with this policy file (docs/policies.md). */
        public Config withPolicy(Path file) {
            return new Config(dataDir, host, port, routerAdmin, routerTokenFile, routerEntry, clock, store, webhooksFile, prometheus, kubernetes, file);
        }

        /** The policy file to read and watch: the one named, else the data directory's (read when it appears). */
        public Path policy() {
            return policyFile != null ? policyFile : defaultPolicyFile(dataDir);
        }

        public Path tokenFile() {
            return dataDir.resolve("server").resolve("server.token");
        }

        /** The webhooks file to read: the one named, else the data directory's when it exists. */
        public Optional<Path> webhooks() {
            if (webhooksFile != null) {
                return Optional.of(webhooksFile);
            }
            Path dflt = defaultWebhooksFile(dataDir);
            return Files.exists(dflt) ? Optional.of(dflt) : Optional.empty();
        }
    }

    /** Where the server looks for webhooks when none is named. */
    public static Path defaultWebhooksFile(Path dataDir) {
        return dataDir.resolve("server").resolve("webhooks.yaml");
    }

    /** Where the server looks for its policy when none is named. */
    public static Path defaultPolicyFile(Path dataDir) {
        return dataDir.resolve("server").resolve("policy.yaml");
    }

    /** How often the policy file is looked at for changes. */
    static final Duration POLICY_PERIOD = Duration.ofSeconds(2);

    /** Where the server keeps its SQLite store unless told otherwise. */
    public static Path defaultDatabase(Path dataDir) {
        return dataDir.resolve("server").resolve("glidepath.db");
    }

    private final JdbcStore store;
    private final Platform platform;
    private final Traffic traffic;
    private final Engine engine;
    private final Notifier notifier;
    private final ServerApi api;
    private final LiveFeed live;
    private final InetSocketAddress address;
    private final PolicyFile policy;

    private Server(JdbcStore store, Platform platform, Traffic traffic, Engine engine, Notifier notifier, ServerApi api, LiveFeed live,
                   InetSocketAddress address, PolicyFile policy) {
        this.policy = policy;
        this.store = store;
        this.platform = platform;
        this.traffic = traffic;
        this.engine = engine;
        this.notifier = notifier;
        this.api = api;
        this.live = live;
        this.address = address;
    }

    /**
     * Starts the server. A webhooks file with errors stops it before anything else happens (an
     * {@link InvalidWebhooksException} lists them), and so does a policy file with errors
     * ({@link InvalidPolicyException}).
     *
     * @throws IllegalStateException when the store cannot be opened (the message names it, without its password, and what to check)
     */
    public static Server start(Config c) throws IOException, InvalidPolicyException {
        Optional<Path> webhooksFile = c.webhooks();
        List<Webhook> webhooks = webhooksFile.isPresent() ? WebhooksFile.read(webhooksFile.get()) : List.of();
        if (c.policyFile() != null && !Files.exists(c.policyFile())) {
            throw new java.nio.file.NoSuchFileException(c.policyFile().toString(), null, "no such policy file");
        }
        PolicyFile policy = PolicyFile.watch(c.policy(), POLICY_PERIOD);
        try {
            return start(c, webhooksFile, webhooks, policy);
        } catch (IOException | RuntimeException e) {
            policy.close();
            throw e;
        }
    }

    private static Server start(Config c, Optional<Path> webhooksFile, List<Webhook> webhooks, PolicyFile policy) throws IOException {
        Files.createDirectories(c.dataDir().resolve("server"));
        BearerToken.loadOrCreate(c.tokenFile(), true);
        JdbcStore store = JdbcStore.open(c.store());
        Platform platform;
        try {
            platform = platform(c, store);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        Traffic moves;
        try {
            moves = traffic(c, platform);
        } catch (IOException | RuntimeException e) {
            closeQuietly(platform);
            store.close();
            throw e;
        }
        TrafficRouter traffic = moves.router();
        ServerMetrics metrics = new ServerMetrics();
        Notifier notifier = new Notifier(webhooks, Notifier.Settings.DEFAULTS);
        List<Recovery.ResumableRelease> goOn;
        try {
            // what recovery journals is counted and announced like the engine's events
            goOn = new Recovery(store, platform, traffic, c.clock(), e -> {
                metrics.accept(e);
                notifier.accept(e);
            }).recoverUnfinished();
        } catch (TrafficException e) {
            notifier.close();
            closeQuietly(moves);
            closeQuietly(platform);
            store.close();
            throw new IOException("cannot finish the releases a previous server left (" + moves.unreachable().apply(e) + ")", e);
        }
        Optional<Failpoint> failpoint = Failpoint.parse(System.getenv("GLIDEPATH_FAILPOINT"), () -> {
            log.error("failpoint {} reached: halting the server now, as a crash would", System.getenv("GLIDEPATH_FAILPOINT"));
            Runtime.getRuntime().halt(137);
        });
        failpoint.ifPresent(f -> log.warn("failpoint armed: the server will halt right after journaling {}", f));
        // each service's figures: Prometheus where its release file names the queries, the router's otherwise (none through a gateway)
        MetricSource.Factory sources = new PrometheusMetrics(Optional.ofNullable(c.prometheus()), moves.figures(), c.clock());
        // databases: Flyway on PostgreSQL, passwords from this server's environment (passwordEnv), never from release files
        Engine engine = new Engine(new EngineSeams(platform, traffic, sources, new HttpProber(), Judge.byReleaseFile(), c.clock(),
                new FlywayMigrations(System.getenv())), store, failpoint);
        // a release that waited (queue, approval) starts only if the policy's windows, as they are then, let it
        engine.windows((spec, now) -> policy.get().closedFor(spec, now));
        engine.followAll(metrics::accept);
        engine.followAll(notifier::accept);
        goOn.forEach(g -> {
            metrics.resumed(g.record().id(), g.record().submitted());
            engine.resume(g.record(), g.spec(), g.baseDir(), g.wavesDone(), g.resumeAt());
        });
        // promoted releases whose database contract the last server did not get to
        engine.resumeContracts(200);
        Tokens tokens = new Tokens(store, Files.readString(c.tokenFile()));
        LiveFeed live = new LiveFeed(new LiveBoard(engine, traffic, platform, moves.view(), c.clock()), c.clock(), LIVE_PERIOD).start();
        ServerApi api = new ServerApi(engine, store, store, platform, traffic, tokens, live, DashboardFiles.load(), metrics, policy, c.clock());
        InetSocketAddress bound;
        try {
            bound = api.start(c.host(), c.port());
        } catch (IOException e) {
            api.close();
            notifier.close();
            live.close();
            closeQuietly(moves);
            closeQuietly(platform);
            store.close();
            throw new IOException("cannot listen on " + c.host() + ":" + c.port() + ": " + e.getMessage(), e);
        }
        log.info("server API and dashboard on {}, data in {}, store {}{}{}", bound, c.dataDir().toAbsolutePath(), store.url(),
                webhooksFile.map(f -> ", " + webhooks.size() + " webhook" + (webhooks.size() == 1 ? "" : "s") + " from " + f).orElse(""),
                c.prometheus() == null ? "" : ", Prometheus at " + PrometheusEndpoint.of(c.prometheus()));
        return new Server(store, platform, moves, engine, notifier, api, live, bound, policy);
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
        notifier.close(); // after the engine: the rollbacks of its stop are announced too
        closeQuietly(traffic);
        closeQuietly(platform);
        policy.close();
        store.close();
    }

    /**
     * What moves traffic and where the judge's figures come from: one router through its admin API
     * (on one host, or one router pod), several router replicas reading routes from ConfigMaps, or a
     * Gateway API implementation (figures only from Prometheus).
     */
    private record Traffic(TrafficRouter router, MetricSource.Factory figures, MetricSource view, Function<TrafficException, String> unreachable,
                           AutoCloseable onClose) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            onClose.close();
        }
    }

    private static Traffic traffic(Config c, Platform platform) throws IOException {
        KubernetesTarget k = c.kubernetes();
        if (k != null && k.gateway().isPresent()) {
            // no router of Glidepath's own: the cluster's gateway moves traffic
            KubernetesTarget.Gateway g = k.gateway().get();
            log.info("traffic through the Gateway API: HTTPRoutes attached to Gateway {}/{}, users enter at {}", g.namespace(), g.name(), g.entry());
            KubernetesPlatform pods = (KubernetesPlatform) platform;
            return new Traffic(new GatewayTraffic(pods.client(), new GatewayTraffic.Settings(k.settings().namespace(), g.namespace(), g.name(),
                    g.entry(), g.confirmWithin()), pods::serviceOf, c.clock()), GatewayFigures.factory(), GatewayFigures.NONE,
                    e -> "the Gateway API route could not be written: " + e.getMessage() + "; check the gateway and this server's access to HTTPRoutes",
                    () -> { });
        }
        String token = Files.readString(c.routerTokenFile()).strip();
        if (k != null && k.routerReplicas().isPresent()) {
            KubernetesPlatform pods = (KubernetesPlatform) platform;
            RouterReplicas replicas = new RouterReplicas(pods.client(), k.settings().namespace(), k.routerReplicas().get(), token);
            log.info("traffic through the router's replicas (pods {}): routes as ConfigMaps in namespace {}, users enter at {}",
                    replicas.settings().selectorText(), replicas.namespace(), c.routerEntry());
            return new Traffic(new ClusterRoutes(pods.client(), replicas, c.routerEntry(), pods::serviceOf, c.clock()),
                    MetricSource.Factory.always(ReplicaMetricSource.of(replicas::readyAdmins)), ReplicaMetricSource.lastWindow(replicas::readyAdmins),
                    e -> "the router's replicas did not take a route: " + e.getMessage() + "; check the router pods (kubectl get pods -l "
                            + replicas.settings().selectorText() + ")",
                    replicas);
        }
        RouterAdminClient admin = new RouterAdminClient(c.routerAdmin(), token);
        // the dashboard's own view of the last window: the judge's source reads on from its own last read, which a view must not move
        return new Traffic(new RouterTraffic(admin, c.routerEntry()), MetricSource.Factory.always(new RouterMetricSource(admin)),
                RouterMetricSource.lastWindow(admin),
                e -> "the router at " + c.routerAdmin() + " did not answer: " + e.getMessage() + "; start the router, then the server", () -> { });
    }

    /** Who holds the lease: the pod's name in a cluster (HOSTNAME), and the process. */
    private static String leaseIdentity() {
        String host = Optional.ofNullable(System.getenv("HOSTNAME")).orElseGet(() -> {
            try {
                return java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.net.UnknownHostException e) {
                return "unknown-host";
            }
        });
        return host + "/" + ProcessHandle.current().pid();
    }

    private static void closeQuietly(Object platform) {
        if (platform instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                log.warn("closing the platform: {}", e.getMessage());
            }
        }
    }

    /**
     * Processes on this host (stopping those a previous server started but never recorded), or pods
     * on the cluster the config names (a restarted server finds them by label).
     */
    private static Platform platform(Config c, JdbcStore store) {
        if (c.kubernetes() != null) {
            KubernetesTarget k = c.kubernetes();
            KubernetesClient client = k.connect().get();
            String ns = k.settings().namespace();
            log.info("services run on Kubernetes: namespace {} of {}", ns, client.getMasterUrl());
            ServerLease lease;
            try {
                // a crashed holder's lease lapses after its duration: wait that long, and a little more, before giving up
                lease = ServerLease.acquire(client, ns, leaseIdentity(), k.lease(), k.lease().multipliedBy(2).plusSeconds(5), () -> {
                    log.error("halting: another server may drive namespace {} now, and two must never act at once", ns);
                    Runtime.getRuntime().halt(75);
                });
            } catch (RuntimeException e) {
                client.close();
                throw e;
            }
            return new KubernetesPlatform(client, k.settings(), c.clock(), () -> {
                lease.close();
                client.close();
            });
        }
        LocalPlatform local = LocalPlatform.onThisHost(c.dataDir(), store, Optional.of(c.routerEntry()));
        List<Long> strays = local.stopStrays(Duration.ofSeconds(5));
        if (!strays.isEmpty()) {
            log.warn("stopped {} processes started by a previous server that it never recorded: pids {}", strays.size(), strays);
        }
        return local;
    }
}
