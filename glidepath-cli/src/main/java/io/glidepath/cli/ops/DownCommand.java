package io.glidepath.cli.ops;

import io.glidepath.cli.Main;
import io.glidepath.cli.local.DataDir;
import io.glidepath.cli.options.DataDirOption;
import io.glidepath.cli.router.SuperviseRouterCommand;
import io.glidepath.local.LocalPlatform;
import io.glidepath.platform.Instance;
import io.glidepath.server.store.JdbcStore;
import io.glidepath.server.store.StoreUrl;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code glidepath down}: the server (releases in progress roll back), the services' instances, then the router. */
@Command(name = "down", mixinStandardHelpOptions = true,
        description = {"Stops what glidepath up started: the server first (releases in progress roll back),",
                "then every service instance it runs, then the router. Routes and history stay for the next up."})
public final class DownCommand implements Callable<Integer> {
    @Mixin
    DataDirOption dataDir;

    @Option(names = "--keep-instances", description = "Leave the services' instances running (the next up adopts them).")
    boolean keepInstances;

    @Override
    public Integer call() throws Exception {
        DataDir dir = dataDir.dir();
        Status st = Status.of(dir);
        if (!st.routerAlive() && !st.serverAlive() && dir.process(SuperviseRouterCommand.PID_NAME).isEmpty()) {
            System.out.println("Glidepath is not running in " + dir.root());
            dir.forgetEndpoints();
            return Main.OK;
        }
        // the instance registry is in the server's store: opened first, so that a store out of reach stops nothing
        Optional<JdbcStore> registry = Optional.empty();
        if (!keepInstances && (dir.storeRecorded() || Files.exists(dir.database()))) {
            try {
                registry = Optional.of(JdbcStore.open(dir.store()));
            } catch (IllegalArgumentException | IllegalStateException e) {
                System.err.println("glidepath down: " + e.getMessage());
                System.err.println("Nothing was stopped. Make the store reachable (its password in $" + StoreUrl.PASSWORD_ENV
                        + ") and run glidepath down again, or pass --keep-instances to stop only the server and the router.");
                return Main.FAILED;
            }
        }
        st.server().ifPresent(p -> stop("server", p, Duration.ofSeconds(90)));
        int stopped = 0;
        if (registry.isPresent()) {
            try (JdbcStore store = registry.get()) {
                LocalPlatform platform = LocalPlatform.onThisHost(dir.root(), store);
                List<Instance> live = store.instances().stream().filter(platform::isAlive).toList();
                try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
                    live.forEach(i -> ex.submit(() -> platform.stop(i, Duration.ofSeconds(10))));
                }
                store.instances().stream().filter(i -> !platform.isAlive(i)).forEach(i -> store.remove(i.id()));
                stopped = live.size();
            }
        }
        // the router's supervisor first (it stops the router, and would start it again after anyone else stopped it), then the router if left
        dir.process(SuperviseRouterCommand.PID_NAME).ifPresent(p -> stop("router's supervisor", p, Duration.ofSeconds(45)));
        st.router().filter(DataDir::running).ifPresent(p -> stop("router", p, Duration.ofSeconds(40)));
        Files.deleteIfExists(dir.pidFile(SuperviseRouterCommand.PID_NAME));
        Files.deleteIfExists(dir.pidFile("router"));
        Files.deleteIfExists(dir.pidFile("server"));
        dir.forgetEndpoints();
        System.out.println("Glidepath is down in " + dir.root() + (keepInstances ? "" : "; stopped " + stopped + " service instance" + (stopped == 1 ? "" : "s")));
        return Main.OK;
    }

    private static void stop(String what, ProcessHandle p, Duration grace) {
        p.destroy();
        if (!DataDir.awaitGone(p, grace)) {
            System.err.println("glidepath down: the " + what + " (pid " + p.pid() + ") did not stop within " + grace.toSeconds() + " s: killing it");
            p.destroyForcibly();
        }
    }
}
