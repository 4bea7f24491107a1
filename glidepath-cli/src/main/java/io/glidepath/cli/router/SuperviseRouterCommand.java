package io.glidepath.cli.router;

import io.glidepath.cli.Main;
import io.glidepath.cli.local.DataDir;
import io.glidepath.cli.options.DataDirOption;
import io.glidepath.cli.options.EdgeOptions;
import io.glidepath.cli.options.HostPort;
import io.glidepath.cli.proc.ChildProcess;
import io.glidepath.cli.proc.ClassDataSharing;
import java.io.IOException;
import io.glidepath.time.Backoff;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/**
 * {@code glidepath supervise-router} (hidden; {@code glidepath up} starts it): keeps the data
 * directory's router running, as systemd's {@code Restart=on-failure} would. It starts the router as
 * its child, pins the addresses the first one bound (so a restart listens where users already
 * connect), writes its pid to DATA_DIR/run/router.pid once it is ready, and when it dies of anything
 * but a clean stop (SIGKILL, a crash, the OOM killer) starts it again at once: the JVM is told of
 * its own child's exit immediately, so nobody has to notice and run {@code glidepath up}. Crashes
 * in a row within {@link #QUICK} back off up to {@link #MAX_BACKOFF}. A router stopped cleanly
 * (exit 0, for example SIGTERM) stays stopped and this exits; SIGTERM to this stops the router, then
 * this. Its lines go to the router's log.
 */
@Command(name = "supervise-router", hidden = true, description = "Keeps the router of a data directory running (glidepath up starts it).")
public final class SuperviseRouterCommand implements Callable<Integer> {
    public static final String PID_NAME = "router-supervisor";
    /** A router that dies sooner than this after its start counts as crashing in a row. */
    static final Duration QUICK = Duration.ofSeconds(10);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(10);
    private static final Backoff RESTARTS = new Backoff(Duration.ofMillis(500), MAX_BACKOFF, Backoff.UNLIMITED);
    private static final Duration ROUTER_GRACE = Duration.ofSeconds(40);

    @Mixin
    DataDirOption dataDir;

    @Option(names = "--listen", required = true, converter = HostPort.Converter.class, description = "Users' traffic (port 0: a free one, kept across restarts).")
    HostPort listen;

    @Option(names = "--admin", required = true, converter = HostPort.Converter.class, description = "The admin API (port 0: a free one, kept across restarts).")
    HostPort admin;

    @Mixin
    EdgeOptions edge;

    private volatile boolean stopping;
    private volatile ChildProcess current;

    @Override
    public Integer call() throws Exception {
        DataDir dir = dataDir.dir();
        Signal.handle(new Signal("TERM"), s -> stop());
        Signal.handle(new Signal("INT"), s -> stop());
        int crashesInARow = 0;
        boolean first = true;
        while (!stopping) {
            Instant started = Instant.now();
            ChildProcess router;
            try {
                router = start(dir);
            } catch (IOException e) {
                if (first) {
                    say("the router did not start: " + e.getMessage());
                    return Main.FAILED; // glidepath up reports it
                }
                crashesInARow++;
                say("the router did not start again: " + e.getMessage());
                pause(backoff(crashesInARow));
                continue;
            }
            first = false;
            current = router;
            if (stopping) {
                router.stop(ROUTER_GRACE);
                break;
            }
            // the addresses it bound: a restart listens where users already connect
            String[] bound = router.readyLine().substring(RouterCommand.READY_PREFIX.length()).trim().split(" ");
            HostPort.Converter hostPort = new HostPort.Converter();
            listen = hostPort.convert(bound[1]); // "proxy HOST:PORT admin HOST:PORT ..."
            admin = hostPort.convert(bound[3]);
            dir.writePid("router", router.pid());
            int code = router.waitFor();
            if (stopping) {
                break;
            }
            if (code == 0) {
                say("the router (pid " + router.pid() + ") stopped cleanly: not starting it again");
                return Main.OK;
            }
            crashesInARow = Duration.between(started, Instant.now()).compareTo(QUICK) < 0 ? crashesInARow + 1 : 1;
            Duration wait = backoff(crashesInARow);
            say("the router (pid " + router.pid() + ") died (exit " + code + (code == 137 ? ", SIGKILL" : "") + "): starting it again on "
                    + listen + (wait.isZero() ? "" : " in " + wait.toMillis() + " ms (it crashed " + crashesInARow + " times in a row)"));
            pause(wait);
        }
        return Main.OK;
    }

    /** The first crash restarts at once; crashes in a row wait 0.5 s, 1 s, 2 s... up to {@link #MAX_BACKOFF}. */
    public static Duration backoff(int crashesInARow) {
        return crashesInARow <= 1 ? Duration.ZERO : RESTARTS.delay(crashesInARow - 1);
    }

    private ChildProcess start(DataDir dir) throws IOException {
        List<String> jvm = new ArrayList<>(ChildProcess.jvmFlags());
        jvm.add("-Xmx512m");
        jvm.add("-XX:+ExitOnOutOfMemoryError"); // a router out of memory exits and is started again here, rather than limping
        jvm.addAll(ClassDataSharing.flags("router"));
        List<String> args = new ArrayList<>(List.of("router", "--listen", listen.toString(), "--admin", admin.toString(), "--state-dir",
                dir.routerState().toString()));
        args.addAll(edge.routerArgs());
        return ChildProcess.startJava("router", jvm, Main.class.getName(), args,
                l -> l.startsWith(RouterCommand.READY_PREFIX), dir.log("router"), Duration.ofSeconds(60));
    }

    private void stop() {
        stopping = true;
        ChildProcess r = current;
        if (r != null) {
            try {
                r.stop(ROUTER_GRACE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void pause(Duration d) throws InterruptedException {
        long end = System.nanoTime() + d.toNanos();
        while (!stopping && System.nanoTime() < end) {
            Thread.sleep(Math.min(50, Math.max(1, (end - System.nanoTime()) / 1_000_000))); // the back-off itself; SIGTERM cuts it short
        }
    }

    private static void say(String line) {
        System.out.println("glidepath supervise-router: " + line);
    }
}
