package io.glidepath.cli.ops;

import io.glidepath.cli.Main;
import io.glidepath.cli.local.DataDir;
import io.glidepath.cli.options.DataDirOption;
import io.glidepath.cli.options.EdgeOptions;
import io.glidepath.cli.options.HostPort;
import io.glidepath.cli.options.PrometheusUrlConverter;
import io.glidepath.cli.options.StoreUrlConverter;
import io.glidepath.cli.proc.ChildProcess;
import io.glidepath.cli.proc.ClassDataSharing;
import io.glidepath.cli.router.RouterCommand;
import io.glidepath.cli.router.RouterHeap;
import io.glidepath.cli.router.SuperviseRouterCommand;
import io.glidepath.cli.server.ServerCommand;
import io.glidepath.route.EndpointAddress;
import io.glidepath.server.Server;
import io.glidepath.server.notify.WebhooksFile;
import io.glidepath.prometheus.PrometheusEndpoint;
import io.glidepath.server.store.StoreUrl;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code glidepath up}: a router and a server in the background, in a data directory. */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = {"Starts a router and a server in the background (pid files and logs in DATA_DIR/run),",
                "or reports that they already run. Stop them with: glidepath down"})
public final class UpCommand implements Callable<Integer> {
    /**
     * How long a starting server may take to say it is ready: its start includes finishing what a crashed server left
     * (recovery), and a JVM starting on a busy host (CI saw 60 s exceeded) should not be reported as a failed start.
     */
    private static final Duration SERVER_START = Duration.ofSeconds(120);
    @Mixin
    DataDirOption dataDir;

    @Mixin
    EdgeOptions edge;

    @Option(names = "--listen", defaultValue = "127.0.0.1:8080", converter = HostPort.Converter.class,
            description = "Where users' traffic arrives (default ${DEFAULT-VALUE}; port 0 picks a free one).")
    HostPort listen;

    @Option(names = "--router-admin", defaultValue = "127.0.0.1:0", converter = HostPort.Converter.class,
            description = "The router's admin API (default: a free port).")
    HostPort routerAdmin;

    @Option(names = "--api", defaultValue = "127.0.0.1:7070", converter = HostPort.Converter.class,
            description = "The server's API (default ${DEFAULT-VALUE}; port 0 picks a free one).")
    HostPort api;

    @Option(names = "--webhooks", paramLabel = "FILE",
            description = "Webhooks the server notifies of releases (default DATA_DIR/server/webhooks.yaml when it exists; see docs/server.md).")
    Path webhooks;

    @Option(names = "--policy", paramLabel = "FILE",
            description = "The server's policy: deploy windows, approvals, required evidence, what releases may run (default "
                    + "DATA_DIR/server/policy.yaml, read whenever it changes; see docs/policies.md).")
    Path policy;

    @Option(names = "--store", converter = StoreUrlConverter.class, paramLabel = "JDBC_URL",
            description = {"The server's store: " + StoreUrlConverter.DESCRIPTION + ".",
                    "Recorded (without its password) in DATA_DIR/server/store.url for the next up and down;",
                    "default: the recorded one, else SQLite in DATA_DIR/server/glidepath.db."})
    StoreUrl store;

    @Option(names = "--prometheus", converter = PrometheusUrlConverter.class, paramLabel = "URL",
            description = {PrometheusUrlConverter.DESCRIPTION + ".", "Handed to the server through its environment; applies when the server starts."})
    URI prometheus;

    @Override
    public Integer call() throws Exception {
        Optional<String> heap = RouterHeap.problem(System.getenv());
        if (heap.isPresent()) {
            System.err.println("glidepath up: " + heap.get());
            return Main.INVALID_INPUT;
        }
        if (edge.problem().isPresent()) {
            System.err.println("glidepath up: " + edge.problem().get());
            return Main.INVALID_INPUT;
        }
        DataDir dir = dataDir.dir();
        StoreUrl chosen;
        try {
            chosen = store != null ? store : dir.store();
        } catch (IllegalArgumentException e) {
            System.err.println("glidepath up: " + e.getMessage() + "; fix " + dir.storeRecord() + " or pass --store");
            return Main.FAILED;
        }
        var running = Status.of(dir);
        if (running.routerAlive() && running.serverAlive()) {
            System.out.println("Glidepath already runs in " + dir.root() + ": router " + running.endpoints().map(e -> "proxy " + e.proxy()).orElse("?")
                    + " (pid " + running.routerPid() + "), server " + running.endpoints().map(e -> "api " + e.api()).orElse("?")
                    + " (pid " + running.serverPid() + ")" + (webhooks == null && prometheus == null ? "" : "; --webhooks and --prometheus apply when the server starts: glidepath down first"));
            running.endpoints().ifPresent(e -> System.out.println("Dashboard: " + e.dashboardUrl()));
            return Main.OK;
        }
        // a bad webhooks file stops everything before anything starts, with every error located
        Optional<Path> hooks = Optional.ofNullable(webhooks).map(Path::toAbsolutePath)
                .or(() -> Optional.of(Server.defaultWebhooksFile(dir.root())).filter(Files::exists));
        if (hooks.isPresent()) {
            try {
                WebhooksFile.read(hooks.get());
            } catch (IOException e) {
                System.err.println("glidepath up: " + e.getMessage());
                return Main.INVALID_INPUT;
            }
        }
        // so does a bad policy file (the server reads the data directory's own when none is named)
        Path policyFile = policy != null ? policy.toAbsolutePath() : Server.defaultPolicyFile(dir.root());
        if (policy != null || Files.exists(policyFile)) {
            try {
                io.glidepath.policy.PolicyReader.read(policyFile);
            } catch (IOException | io.glidepath.policy.InvalidPolicyException e) {
                System.err.println("glidepath up: " + e.getMessage());
                return Main.INVALID_INPUT;
            }
        }
        Files.createDirectories(dir.run());
        List<String> jvm = new ArrayList<>(ChildProcess.jvmFlags());
        if (running.serverAlive()) {
            if (running.endpoints().isEmpty()) {
                System.err.println("glidepath up: the server runs without its router in " + dir.root() + " and " + dir.run().resolve("endpoints.json")
                        + " is gone; run glidepath down first, then glidepath up");
                return Main.FAILED;
            }
            // the router stopped (or crashed) under a running server: the same router again, on the same addresses, its routes from its state file
            DataDir.Endpoints e = running.endpoints().get();
            if (dir.process(SuperviseRouterCommand.PID_NAME).isPresent()) {
                // its supervisor is starting it again already: wait for it rather than race it for the port
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (dir.process("router").isEmpty() && dir.process(SuperviseRouterCommand.PID_NAME).isPresent() && System.nanoTime() < deadline) {
                    LockSupport.parkNanos(20_000_000L); // waiting on another process
                }
                if (dir.process("router").isPresent()) {
                    System.out.println("Glidepath's router is up again in " + dir.root() + " (its supervisor restarted it, with its routes from "
                            + dir.routerState() + "): users' traffic on " + e.proxy());
                    return Main.OK;
                }
            }
            try {
                startRouter(dir, jvm, new HostPort(e.proxy().host(), e.proxy().port()), new HostPort(e.routerAdmin().host(), e.routerAdmin().port()));
            } catch (IOException ex) {
                System.err.println("glidepath up: the router did not start again: " + ex.getMessage());
                System.err.println(tail(dir.log("router")));
                return Main.FAILED;
            }
            System.out.println("Glidepath's router is up again in " + dir.root() + " (its routes restored from " + dir.routerState() + "): users' traffic on "
                    + e.proxy());
            return Main.OK;
        }
        if (running.routerAlive() && running.endpoints().isPresent()) {
            // the server stopped (or crashed) under a running router: start the server alone; it finishes what the last one left
            DataDir.Endpoints e = running.endpoints().get();
            Optional<EndpointAddress> apiAddr = startServer(dir, jvm, e.routerAdmin(), e.proxy(), new HostPort(e.api().host(), e.api().port()),
                    chosen, Optional.ofNullable(webhooks).map(Path::toAbsolutePath));
            if (apiAddr.isEmpty()) {
                return Main.FAILED;
            }
            DataDir.Endpoints now = new DataDir.Endpoints(e.proxy(), e.routerAdmin(), apiAddr.get());
            dir.writeEndpoints(now);
            System.out.println("Glidepath's server is up again in " + dir.root() + " (the router kept serving): API on " + apiAddr.get()
                    + ", dashboard " + now.dashboardUrl());
            return Main.OK;
        }
        // a supervisor left without its router (crashing in a row) would race a new one for the port
        Optional<ProcessHandle> oldSupervisor = dir.process(SuperviseRouterCommand.PID_NAME);
        if (oldSupervisor.isPresent()) {
            oldSupervisor.get().destroy();
            DataDir.awaitGone(oldSupervisor.get(), Duration.ofSeconds(45));
        }
        ChildProcess router;
        try {
            router = startRouter(dir, jvm, listen, routerAdmin);
        } catch (IOException e) {
            System.err.println("glidepath up: the router did not start: " + e.getMessage());
            System.err.println(tail(dir.log("router")));
            return Main.FAILED;
        }
        String[] r = router.readyLine().substring(RouterCommand.READY_PREFIX.length()).trim().split(" ");
        EndpointAddress proxy = EndpointAddress.parse(r[1]).orElseThrow();
        EndpointAddress admin = EndpointAddress.parse(r[3]).orElseThrow();
        Optional<EndpointAddress> apiAddr = startServer(dir, jvm, admin, proxy, api, chosen, Optional.ofNullable(webhooks).map(Path::toAbsolutePath));
        if (apiAddr.isEmpty()) {
            router.stop(Duration.ofSeconds(10));
            return Main.FAILED;
        }
        DataDir.Endpoints endpoints = new DataDir.Endpoints(proxy, admin, apiAddr.get());
        dir.writeEndpoints(endpoints);
        System.out.println("Glidepath is up in " + dir.root());
        System.out.println("  router  users' traffic on " + proxy + ", admin API on " + admin + "  (pid "
                + dir.process("router").map(ProcessHandle::pid).orElse(-1L) + ", kept running by pid " + router.pid() + ", log " + dir.log("router") + ")");
        System.out.println("  server  API on " + apiAddr.get() + "  (pid " + dir.process("server").map(ProcessHandle::pid).orElse(-1L)
                + ", log " + dir.log("server") + ")");
        System.out.println("  store      " + chosen);
        if (prometheus != null) {
            System.out.println("  prometheus " + PrometheusEndpoint.of(prometheus) + "  (for release files whose analysis reads Prometheus)");
        }
        System.out.println("  dashboard  " + endpoints.dashboardUrl() + "  (sign in with a token: glidepath token create NAME --role viewer)");
        System.out.println("Deploy with: glidepath deploy FILE    Stop with: glidepath down");
        return Main.OK;
    }

    /**
     * Starts the server in the background on {@code store} (its URL on the command line, its password, if any, in the
     * child's environment only) with {@code webhooks} (else the data directory's own when it has one); its API address,
     * or empty (reported) when it did not start. A store given with {@code --store} is recorded once the server has opened it.
     */
    private Optional<EndpointAddress> startServer(DataDir dir, List<String> jvm, EndpointAddress admin, EndpointAddress proxy, HostPort api,
                                                  StoreUrl store, Optional<Path> webhooks) throws IOException {
        ChildProcess server;
        List<String> args = new ArrayList<>(List.of("server", "--data-dir", dir.root().toString(), "--listen", api.toString(),
                "--router-admin", admin.toString(), "--router-entry", proxy.toString(), "--store", store.url()));
        webhooks.ifPresent(w -> args.addAll(List.of("--webhooks", w.toString())));
        if (policy != null) {
            args.addAll(List.of("--policy", policy.toAbsolutePath().toString()));
        }
        // secrets go through the child's environment only, never its command line
        Map<String, String> env = new java.util.HashMap<>();
        store.password().ifPresent(p -> env.put(StoreUrl.PASSWORD_ENV, p));
        if (prometheus != null) {
            env.put(PrometheusUrlConverter.ENV, prometheus.toString());
        }
        try {
            server = ChildProcess.startJava("server", withArchive(controlPlane(withHeap(jvm, "512m")), "server"), Main.class.getName(), args, env,
                    l -> l.startsWith(ServerCommand.READY_PREFIX), dir.log("server"), SERVER_START, true);
        } catch (IOException e) {
            System.err.println("glidepath up: the server did not start: " + e.getMessage());
            System.err.println(tail(dir.log("server")));
            return Optional.empty();
        }
        dir.writePid("server", server.pid());
        if (this.store != null) {
            dir.recordStore(store);
        }
        return EndpointAddress.parse(server.readyLine().substring(ServerCommand.READY_PREFIX.length()).trim().split(" ")[1]);
    }

    /**
     * Starts the router's supervisor in the background, which starts the router (and starts it again
     * whenever it dies: see {@link SuperviseRouterCommand}) and writes its pid; returns the supervisor
     * once the router is ready (its ready line).
     */
    private ChildProcess startRouter(DataDir dir, List<String> jvm, HostPort listen, HostPort admin) throws IOException {
        List<String> small = controlPlane(withHeap(jvm, "32m"));
        List<String> args = new ArrayList<>(List.of("supervise-router", "--data-dir", dir.root().toString(), "--listen", listen.toString(),
                "--admin", admin.toString()));
        args.addAll(edge.routerArgs());
        ChildProcess supervisor = ChildProcess.startJava("router", withArchive(small, "supervisor"), Main.class.getName(), args,
                l -> l.startsWith(RouterCommand.READY_PREFIX), dir.log("router"), Duration.ofSeconds(60), true);
        dir.writePid(SuperviseRouterCommand.PID_NAME, supervisor.pid());
        return supervisor;
    }

    /**
     * The server and the router's supervisor are control planes: a few requests a second, small heaps. The
     * optimizing compiler (C2) would spend seconds of CPU compiling code that never runs hot (half a server's
     * CPU in the demo), and G1's concurrent threads buy nothing for a heap this size: C1 and the serial
     * collector. The router, the data path, keeps the full JIT.
     */
    static List<String> controlPlane(List<String> flags) {
        List<String> all = new ArrayList<>(flags);
        all.addAll(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        return all;
    }

    static List<String> withHeap(List<String> flags, String heap) {
        List<String> all = new ArrayList<>(flags);
        all.add("-Xmx" + heap);
        return all;
    }

    /** The launcher's class-data sharing for this kind of child (see ClassDataSharing), when it set one up. */
    static List<String> withArchive(List<String> flags, String role) {
        List<String> all = new ArrayList<>(flags);
        all.addAll(ClassDataSharing.flags(role));
        return all;
    }

    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "(no log at " + log + ")";
        }
    }
}
