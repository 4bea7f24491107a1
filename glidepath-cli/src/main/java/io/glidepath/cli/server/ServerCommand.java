package io.glidepath.cli.server;

import io.glidepath.cli.Main;
import io.glidepath.cli.local.DataDir;
import io.glidepath.cli.options.DurationConverter;
import io.glidepath.cli.options.HostPort;
import io.glidepath.cli.options.PrometheusUrlConverter;
import io.glidepath.cli.options.StoreUrlConverter;
import io.glidepath.kubernetes.KubernetesPlatform;
import io.glidepath.kubernetes.KubernetesTarget;
import io.glidepath.kubernetes.RouterReplicas;
import io.glidepath.route.EndpointAddress;
import io.glidepath.server.Server;
import io.glidepath.server.notify.InvalidWebhooksException;
import io.glidepath.server.store.StoreUrl;
import io.glidepath.time.Clock;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/** {@code glidepath server}: the control plane in the foreground. */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = {"Runs the control plane (engine, store, API) in the foreground, against a running router.",
                "SIGTERM or Ctrl-C: releases in progress roll back, then it exits 0."})
public final class ServerCommand implements Callable<Integer> {
    public static final String READY_PREFIX = "glidepath server ready:";

    @Option(names = "--data-dir", description = "Database, token and instance logs (default .glidepath or $GLIDEPATH_DATA_DIR).")
    Path dataDir;

    @Option(names = "--listen", defaultValue = "127.0.0.1:7070", converter = HostPort.Converter.class,
            description = "Where the API listens (default ${DEFAULT-VALUE}); it needs the bearer token.")
    HostPort listen;

    @Option(names = "--router-admin", defaultValue = "127.0.0.1:8081", converter = HostPort.Converter.class,
            description = "The router's admin API (default ${DEFAULT-VALUE}).")
    HostPort routerAdmin;

    @Option(names = "--router-token-file", description = "The router's admin token (default DATA_DIR/router/admin.token).")
    Path routerToken;

    @Option(names = "--router-entry", defaultValue = "127.0.0.1:8080", converter = HostPort.Converter.class,
            description = "Where users' traffic enters the router, for smoke tests (default ${DEFAULT-VALUE}).")
    HostPort routerEntry;

    @Option(names = "--webhooks", paramLabel = "FILE",
            description = "Webhooks to notify of releases (default DATA_DIR/server/webhooks.yaml when it exists; see docs/server.md).")
    Path webhooks;

    @Option(names = "--policy", paramLabel = "FILE",
            description = {"The policy releases must meet: deploy windows, approvals, required evidence, what releases may run on this host",
                    "(default DATA_DIR/server/policy.yaml; read again whenever it changes, a bad edit keeping the last good one; docs/policies.md)."})
    Path policy;

    @Option(names = "--store", converter = StoreUrlConverter.class, paramLabel = "JDBC_URL",
            description = {"Where releases, journals, tokens and the audit log are kept: " + StoreUrlConverter.DESCRIPTION + ".",
                    "Default: SQLite in DATA_DIR/server/glidepath.db."})
    StoreUrl store;

    @Option(names = "--prometheus", converter = PrometheusUrlConverter.class, paramLabel = "URL",
            defaultValue = "${env:" + PrometheusUrlConverter.ENV + "}", description = PrometheusUrlConverter.DESCRIPTION + ".")
    URI prometheus;

    /** Where services run. */
    enum PlatformChoice { local, kubernetes }

    @Option(names = "--platform", defaultValue = "local", paramLabel = "local|kubernetes",
            description = {"Where services run: local (processes on this host, the default) or kubernetes (pods, through the cluster "
                    + "that KUBECONFIG or ~/.kube/config names, or the pod's service account; see docs/kubernetes.md)."})
    PlatformChoice platform;

    @Option(names = "--namespace", paramLabel = "NAME", description = "Kubernetes: the namespace services run in (default: the kubeconfig's, or default).")
    String namespace;

    @Option(names = "--kube-context", paramLabel = "NAME", description = "Kubernetes: a kubeconfig context other than the current one.")
    String kubeContext;

    @Option(names = "--kubernetes-router", converter = HostPort.Converter.class, paramLabel = "HOST:PORT",
            description = "Kubernetes: where pods reach the router (its Service, such as glidepath-router.shop:8080): {{router}} in release files.")
    HostPort kubernetesRouter;

    @Option(names = "--kubernetes-gateway", paramLabel = "NAMESPACE/NAME",
            description = {"Kubernetes: move traffic through this Gateway (Gateway API HTTPRoutes, for clusters that run Istio, Linkerd, Envoy "
                    + "Gateway...) instead of Glidepath's router; canaries are then judged by Prometheus only (docs/kubernetes.md)."})
    String gateway;

    @Option(names = "--gateway-entry", converter = HostPort.Converter.class, paramLabel = "HOST:PORT",
            description = "With --kubernetes-gateway: where users' traffic enters the gateway, for smoke tests through it.")
    HostPort gatewayEntry;

    @Option(names = "--router-replicas", arity = "0..1", paramLabel = "SELECTOR",
            fallbackValue = "app.kubernetes.io/name=glidepath,app.kubernetes.io/component=router",
            description = {"Kubernetes: the router runs as several replicas (glidepath router --kubernetes-routes): routes are written as "
                    + "ConfigMaps, and a change counts once every ready pod SELECTOR picks serves it (default selector: ${FALLBACK-VALUE}, "
                    + "as deploy/kubernetes/glidepath.yaml labels them)."})
    String routerReplicas;

    @Option(names = "--kubernetes-lease", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "Kubernetes: how long the server's lease (one server per namespace) lasts unrenewed; a crashed server's successor "
                    + "waits this long at most (default 15s).")
    java.time.Duration lease;

    @Override
    public Integer call() throws Exception {
        if (platform != PlatformChoice.kubernetes && (namespace != null || kubeContext != null || kubernetesRouter != null || lease != null
                || gateway != null || routerReplicas != null)) {
            System.err.println("glidepath server: --namespace, --kube-context, --kubernetes-router, --kubernetes-lease, --kubernetes-gateway and "
                    + "--router-replicas go with --platform kubernetes");
            return Main.INVALID_INPUT;
        }
        if (gateway != null && routerReplicas != null) {
            System.err.println("glidepath server: --kubernetes-gateway and --router-replicas are two ways of moving traffic: choose one");
            return Main.INVALID_INPUT;
        }
        java.util.Optional<java.util.Map<String, String>> replicaSelector = java.util.Optional.empty();
        if (routerReplicas != null) {
            try {
                replicaSelector = java.util.Optional.of(LabelSelector.parse(routerReplicas));
            } catch (IllegalArgumentException e) {
                System.err.println("glidepath server: --router-replicas " + e.getMessage());
                return Main.INVALID_INPUT;
            }
        }
        if ((gateway == null) != (gatewayEntry == null)) {
            System.err.println("glidepath server: --kubernetes-gateway and --gateway-entry go together (the Gateway, and where users enter it)");
            return Main.INVALID_INPUT;
        }
        if (gateway != null && !gateway.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-a-z0-9.]*[a-z0-9])?")) {
            System.err.println("glidepath server: --kubernetes-gateway must be NAMESPACE/NAME, such as infra/edge; got \"" + gateway + "\"");
            return Main.INVALID_INPUT;
        }
        if (lease != null && (lease.compareTo(java.time.Duration.ofSeconds(2)) < 0 || lease.compareTo(java.time.Duration.ofMinutes(5)) > 0)) {
            System.err.println("glidepath server: --kubernetes-lease must be from 2s to 5m; got " + lease.toMillis() + " ms");
            return Main.INVALID_INPUT;
        }
        DataDir dir = DataDir.of(dataDir);
        Path token = routerToken != null ? routerToken : dir.routerToken();
        if (gateway == null && !token.toFile().canRead()) {
            System.err.println("glidepath server: cannot read the router's admin token " + token + "; start the router first (glidepath up does both)");
            return Main.FAILED;
        }
        CountDownLatch stop = new CountDownLatch(1);
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        Signal.handle(new Signal("INT"), s -> stop.countDown());
        Server server;
        try {
            Server.Config config = new Server.Config(dir.root(), listen.host(), listen.port(), URI.create("http://" + routerAdmin),
                    token, new EndpointAddress(routerEntry.host(), routerEntry.port()), Clock.system(),
                    store != null ? store : StoreUrl.sqlite(Server.defaultDatabase(dir.root())), webhooks, prometheus);
            if (platform == PlatformChoice.kubernetes) {
                config = config.withKubernetes(kubernetes(replicaSelector));
            }
            if (policy != null) {
                config = config.withPolicy(policy.toAbsolutePath());
            }
            server = Server.start(config);
        } catch (InvalidWebhooksException | io.glidepath.policy.InvalidPolicyException e) {
            System.err.println("glidepath server: " + e.getMessage());
            return Main.INVALID_INPUT;
        } catch (java.io.IOException | RuntimeException e) {
            System.err.println("glidepath server: " + e.getMessage());
            return Main.FAILED;
        }
        System.out.println("glidepath server: services run " + (platform == PlatformChoice.kubernetes ? "on Kubernetes" : "as processes on this host"));
        System.out.println(READY_PREFIX + " api " + server.address().getHostString() + ":" + server.address().getPort()
                + " token " + dir.serverToken().toAbsolutePath());
        System.out.flush();
        stop.await();
        server.close();
        System.out.println("glidepath server stopped");
        System.out.flush();
        return Main.OK;
    }

    /** The cluster from the kubeconfig (or the pod's service account); the namespace from the flag, else the kubeconfig's. */
    private KubernetesTarget kubernetes(java.util.Optional<java.util.Map<String, String>> replicaSelector) {
        String ns = namespace != null ? namespace
                : java.util.Optional.ofNullable(io.fabric8.kubernetes.client.Config.autoConfigure(kubeContext).getNamespace()).orElse("default");
        KubernetesPlatform.Settings settings = KubernetesPlatform.Settings.in(ns);
        if (kubernetesRouter != null) {
            settings = settings.withRouter(kubernetesRouter.toString());
        }
        KubernetesTarget target = KubernetesTarget.fromKubeconfig(java.util.Optional.ofNullable(kubeContext), settings);
        if (gateway != null) {
            String[] g = gateway.split("/");
            target = target.withGateway(KubernetesTarget.Gateway.of(g[0], g[1], new EndpointAddress(gatewayEntry.host(), gatewayEntry.port())));
        }
        if (replicaSelector.isPresent()) {
            target = target.withRouterReplicas(RouterReplicas.Settings.defaults().withSelector(replicaSelector.get()));
        }
        return lease == null ? target : target.withLease(lease);
    }
}
