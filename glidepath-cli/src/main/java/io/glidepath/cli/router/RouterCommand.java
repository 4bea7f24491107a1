package io.glidepath.cli.router;

import io.glidepath.cli.Main;
import io.glidepath.cli.options.DurationConverter;
import io.glidepath.cli.options.EdgeOptions;
import io.glidepath.cli.options.HostPort;
import io.glidepath.router.Router;
import io.glidepath.router.handoff.InheritedListeners;
import io.glidepath.router.proxy.ProxySettings;
import io.glidepath.router.proxy.Transport;
import io.glidepath.router.state.CorruptStateException;
import io.netty.channel.unix.FileDescriptor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/** {@code glidepath router}: the data plane in the foreground, for systemd, containers and the demo. */
@Command(name = "router", mixinStandardHelpOptions = true,
        description = {"Runs the traffic router in the foreground.",
                "SIGTERM or Ctrl-C: stop accepting, let requests in flight finish (up to --shutdown-timeout), exit 0."})
public final class RouterCommand implements Callable<Integer> {
    /** The line the router prints once it serves; the demo and tests read the addresses from it. */
    public static final String READY_PREFIX = "glidepath router ready:";
    /**
     * The line a router handed its listeners prints before it waits for the router it takes over from to
     * let go of the state directory: its supervisor then tells that one to stop.
     */
    public static final String STANDING_BY = "glidepath router standing by:";

    @Option(names = "--listen", defaultValue = "127.0.0.1:8080", converter = HostPort.Converter.class,
            description = "Where users' traffic arrives (default ${DEFAULT-VALUE}).")
    HostPort listen;

    @Option(names = "--admin", defaultValue = "127.0.0.1:8081", converter = HostPort.Converter.class,
            description = "Where the admin API listens (default ${DEFAULT-VALUE}); it needs the bearer token.")
    HostPort admin;

    @Option(names = "--state-dir", defaultValue = ".glidepath/router",
            description = "Routing table and admin token (default ${DEFAULT-VALUE}).")
    Path stateDir;

    @Option(names = "--admin-token-file", description = "Token file to use instead of STATE_DIR/admin.token (which is created when missing).")
    Path tokenFile;

    @Option(names = "--event-loops", defaultValue = "2", description = "Data-path threads (default ${DEFAULT-VALUE}).")
    int eventLoops;

    /** Sets --transport's default, for routers started by others (glidepath up's supervisor) as for this command. */
    public static final String TRANSPORT_VARIABLE = "GLIDEPATH_ROUTER_TRANSPORT";

    @Option(names = "--transport", paramLabel = "auto|io_uring|epoll|nio", defaultValue = "${env:" + TRANSPORT_VARIABLE + ":-auto}",
            description = {"How the proxy's sockets talk to the kernel (default ${DEFAULT-VALUE}, from " + TRANSPORT_VARIABLE + " when set): "
                    + "auto takes io_uring where the kernel allows it, else epoll, else the JDK's NIO."})
    String transport;

    @Option(names = "--shutdown-timeout", defaultValue = "30s", converter = DurationConverter.class,
            description = "How long requests in flight may take to finish on SIGTERM (default ${DEFAULT-VALUE}).")
    Duration shutdownTimeout;

    @Option(names = "--head-timeout", defaultValue = "20s", converter = DurationConverter.class,
            description = "A request head must arrive whole within this long of its first byte, else 408 (default ${DEFAULT-VALUE}).")
    Duration headTimeout;

    @Option(names = "--body-timeout", defaultValue = "60s", converter = DurationConverter.class,
            description = "A request body that sends nothing for this long while the router reads it gets 408 (default ${DEFAULT-VALUE}).")
    Duration bodyTimeout;

    @Option(names = "--idle-timeout", defaultValue = "75s", converter = DurationConverter.class,
            description = "A client connection idle this long between requests is closed (default ${DEFAULT-VALUE}).")
    Duration idleTimeout;

    @Option(names = "--max-connections", defaultValue = "20000",
            description = "Client connections open at once; more wait in the kernel's accept queue (default ${DEFAULT-VALUE}).")
    int maxConnections;

    @Mixin
    EdgeOptions edge;

    @Option(names = "--kubernetes-routes", paramLabel = "NAMESPACE",
            description = {"Run as one replica of a router in a Kubernetes cluster: take the routes from the route ConfigMaps of NAMESPACE "
                    + "(which the server writes with --router-replicas), through KUBECONFIG, ~/.kube/config or the pod's service account. "
                    + "The admin API then refuses changes, and GET /ready answers 503 until every route is served."})
    String kubernetesRoutes;

    @Option(names = "--listeners-from", paramLabel = "SOCKET", hidden = true,
            description = {"Accept on the listening sockets the process at this Unix socket keeps (glidepath up's supervisor) instead of binding "
                    + "--listen and --tls-listen, which then only name them; wait for the router they were handed to before to let go of the "
                    + "state directory."})
    Path listenersFrom;

    @Option(names = "--kube-context", paramLabel = "NAME", description = "With --kubernetes-routes: a kubeconfig context other than the current one.")
    String kubeContext;

    private static final Duration HANDOFF_TIMEOUT = Duration.ofSeconds(10);

    @Override
    public Integer call() throws Exception {
        if (eventLoops < 1 || eventLoops > 64) {
            System.err.println("glidepath router: --event-loops must be between 1 and 64, got " + eventLoops);
            return Main.INVALID_INPUT;
        }
        for (var t : java.util.Map.of("--head-timeout", headTimeout, "--body-timeout", bodyTimeout, "--idle-timeout", idleTimeout).entrySet()) {
            if (t.getValue().compareTo(Duration.ofMillis(100)) < 0 || t.getValue().compareTo(Duration.ofHours(1)) > 0) {
                System.err.println("glidepath router: " + t.getKey() + " must be between 100ms and 1h, got " + io.glidepath.spec.Durations.format(t.getValue()));
                return Main.INVALID_INPUT;
            }
        }
        if (maxConnections < 1 || maxConnections > 1_000_000) {
            System.err.println("glidepath router: --max-connections must be between 1 and 1000000, got " + maxConnections);
            return Main.INVALID_INPUT;
        }
        Optional<Transport> chosenTransport = transport.equalsIgnoreCase("auto") ? Optional.empty() : Transport.named(transport);
        if (!transport.equalsIgnoreCase("auto") && chosenTransport.isEmpty()) {
            System.err.println("glidepath router: --transport must be auto, io_uring, epoll or nio; got \"" + transport + "\"");
            return Main.INVALID_INPUT;
        }
        if (chosenTransport.isPresent() && chosenTransport.get().unavailability().isPresent()) {
            System.err.println("glidepath router: --transport " + chosenTransport.get().label() + " is not available on this machine ("
                    + chosenTransport.get().unavailability().get() + "); use auto to take the fastest that is");
            return Main.INVALID_INPUT;
        }
        if (edge.problem().isPresent()) {
            System.err.println("glidepath router: " + edge.problem().get());
            return Main.INVALID_INPUT;
        }
        if (kubeContext != null && kubernetesRoutes == null) {
            System.err.println("glidepath router: --kube-context goes with --kubernetes-routes");
            return Main.INVALID_INPUT;
        }
        if (kubernetesRoutes != null && !kubernetesRoutes.matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")) {
            System.err.println("glidepath router: --kubernetes-routes must name a namespace, such as shop; got \"" + kubernetesRoutes + "\"");
            return Main.INVALID_INPUT;
        }
        if (kubernetesRoutes != null && edge.acme()) {
            // each replica would order for itself and answer only its own HTTP-01 tokens, which the CA may not reach
            System.err.println("glidepath router: --acme does not go with --kubernetes-routes: give the replicas their certificates with "
                    + "--certs (a Secret volume, such as cert-manager's)");
            return Main.INVALID_INPUT;
        }
        Router.Config config = Router.Config.loopback(stateDir)
                .withListen(listen.host(), listen.port())
                .withAdmin(admin.host(), admin.port())
                .withTokenFile(tokenFile)
                .withProxy(ProxySettings.defaults().withEventLoops(eventLoops).withClientLimits(idleTimeout, headTimeout, bodyTimeout, maxConnections)
                        .withTransport(chosenTransport))
                .withShutdownTimeout(shutdownTimeout);
        config = edge.applyTo(config);
        if (kubernetesRoutes != null) {
            config = config.withRoutesFrom("the route ConfigMaps of namespace " + kubernetesRoutes);
        }
        CountDownLatch stop = new CountDownLatch(1);
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        Signal.handle(new Signal("INT"), s -> stop.countDown());
        if (listenersFrom != null) {
            List<FileDescriptor> fds;
            try {
                fds = InheritedListeners.receive(listenersFrom, edge.tlsListen().isPresent() ? 2 : 1, HANDOFF_TIMEOUT);
            } catch (java.io.IOException e) {
                System.err.println("glidepath router: " + e.getMessage());
                return Main.FAILED;
            }
            config = config.withInherited(fds.get(0), fds.size() > 1 ? fds.get(1) : null);
            System.out.println(STANDING_BY + " listeners from " + listenersFrom + "; waiting for the state directory " + stateDir.toAbsolutePath());
            System.out.flush();
        }
        Router router;
        try {
            router = Router.start(config);
        } catch (CorruptStateException e) {
            System.err.println("glidepath router: " + e.getMessage());
            return Main.FAILED;
        } catch (java.io.IOException e) {
            System.err.println("glidepath router: " + e.getMessage());
            return Main.FAILED;
        }
        ClusterFeed feed = null;
        if (kubernetesRoutes != null) {
            try {
                feed = ClusterFeed.start(kubeContext, kubernetesRoutes, router);
            } catch (RuntimeException e) {
                router.close();
                System.err.println("glidepath router: " + e.getMessage());
                return Main.FAILED;
            }
        }
        System.out.println(READY_PREFIX + " proxy " + hostPort(router.proxyAddress()) + " admin " + hostPort(router.adminAddress())
                + " token " + config.effectiveTokenFile().toAbsolutePath() + router.tlsAddress().map(a -> " https " + hostPort(a)).orElse(""));
        System.out.flush();
        stop.await();
        if (feed != null) {
            feed.close(); // no route changes while requests in flight finish
        }
        boolean clean = router.shutdown();
        System.out.println("glidepath router stopped" + (clean ? "" : " (shutdown deadline reached; remaining connections were closed)"));
        System.out.flush();
        return Main.OK;
    }

    private static String hostPort(java.net.InetSocketAddress a) {
        return a.getHostString() + ":" + a.getPort();
    }
}
