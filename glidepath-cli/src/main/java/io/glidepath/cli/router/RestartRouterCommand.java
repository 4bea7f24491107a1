package io.glidepath.cli.router;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.glidepath.cli.Main;
import io.glidepath.cli.local.DataDir;
import io.glidepath.cli.options.DataDirOption;
import io.glidepath.cli.options.OutputOption;
import io.glidepath.router.client.RouterAdminClient;
import io.glidepath.router.client.RouterAdminException;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code glidepath restart-router}: a new router process takes over from the one serving without a
 * gap (for a new Glidepath jar, or settings on disk such as certificates): the supervisor {@code up}
 * started hands it the same listening sockets, the one serving lets go of the admin port and the
 * routes and finishes its requests in flight, and no connection is refused or reset meanwhile.
 */
@Command(name = "restart-router", mixinStandardHelpOptions = true,
        description = {"Replaces the running router with a new process without a gap: connections keep arriving on the same sockets, "
                + "requests in flight finish on the old process, routes and health carry over.",
                "Use it after installing a new Glidepath jar (the new router runs it) or to pick up changes on disk."})
public final class RestartRouterCommand implements Callable<Integer> {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    @Mixin
    DataDirOption dataDir;

    @Mixin
    OutputOption output;

    @Override
    public Integer call() throws Exception {
        DataDir dir = dataDir.dir();
        Optional<ProcessHandle> supervisor = dir.process(SuperviseRouterCommand.PID_NAME);
        Optional<ProcessHandle> before = dir.process("router");
        if (supervisor.isEmpty() || before.isEmpty()) {
            System.err.println("glidepath restart-router: no supervised router runs in " + dir.root() + ": start one with glidepath up");
            return Main.FAILED;
        }
        long started = System.nanoTime();
        // SIGHUP, as argv (no shell): the JDK can only send TERM and KILL itself
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(supervisor.get().pid())).redirectErrorStream(true).start();
        if (kill.waitFor() != 0) {
            System.err.println("glidepath restart-router: could not signal the router's supervisor (pid " + supervisor.get().pid() + "): "
                    + new String(kill.getInputStream().readAllBytes()).strip());
            return Main.FAILED;
        }
        long deadline = started + TIMEOUT.toNanos();
        Optional<ProcessHandle> after = Optional.empty();
        while (System.nanoTime() < deadline) {
            after = dir.process("router").filter(p -> p.pid() != before.get().pid());
            if (after.isPresent() && answers(dir)) {
                break;
            }
            if (!supervisor.get().isAlive()) {
                System.err.println("glidepath restart-router: the router's supervisor exited; see " + dir.log("router"));
                return Main.FAILED;
            }
            LockSupport.parkNanos(20_000_000L); // waiting on other processes
        }
        long tookMillis = (System.nanoTime() - started) / 1_000_000;
        if (after.isEmpty()) {
            System.err.println("glidepath restart-router: no new router took over within " + TIMEOUT.toSeconds() + " s; the router (pid "
                    + before.get().pid() + ") " + (DataDir.running(before.get()) ? "still serves" : "is gone") + "; see " + dir.log("router"));
            return Main.FAILED;
        }
        if (output.json()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("restarted", true);
            m.put("before", before.get().pid());
            m.put("after", after.get().pid());
            m.put("tookMillis", tookMillis);
            System.out.println(new ObjectMapper().writeValueAsString(m));
        } else {
            System.out.println("The router (pid " + after.get().pid() + ") took over from pid " + before.get().pid() + " in " + tookMillis
                    + " ms; the old one finishes its requests in flight.");
        }
        return Main.OK;
    }

    /** The new router's admin API answers (it has loaded the routes and accepts). */
    private static boolean answers(DataDir dir) {
        try {
            var endpoints = dir.endpoints();
            if (endpoints.isEmpty()) {
                return false;
            }
            var admin = endpoints.get().routerAdmin();
            RouterAdminClient.of(admin.host(), admin.port(), dir.routerToken()).health();
            return true;
        } catch (IOException | RouterAdminException | RuntimeException e) {
            return false;
        }
    }
}
