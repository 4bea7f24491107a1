package io.glidepath.cli.router;

import io.glidepath.cli.Main;
import io.glidepath.cli.local.DataDir;
import io.glidepath.cli.options.DataDirOption;
import io.glidepath.cli.options.EdgeOptions;
import io.glidepath.cli.options.HostPort;
import io.glidepath.cli.proc.ChildProcess;
import io.glidepath.cli.proc.ClassDataSharing;
import io.glidepath.router.handoff.ListenerKeeper;
import io.glidepath.time.Backoff;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
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
 *
 * <p>It also holds the router's listening sockets ({@link ListenerKeeper}) and hands them to each router
 * it starts: while a router is dead or starting, connections wait in the kernel's accept queue instead
 * of being refused. SIGHUP restarts the router without a gap ({@link #handOver}), for a new jar or
 * new settings: {@code glidepath restart-router} sends it.
 */
@Command(name = "supervise-router", hidden = true, description = "Keeps the router of a data directory running (glidepath up starts it).")
public final class SuperviseRouterCommand implements Callable<Integer> {
    public static final String PID_NAME = "router-supervisor";
    /** A router that dies sooner than this after its start counts as crashing in a row. */
    static final Duration QUICK = Duration.ofSeconds(10);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(10);
    private static final Backoff RESTARTS = new Backoff(Duration.ofMillis(500), MAX_BACKOFF, Backoff.UNLIMITED);
    private static final Duration ROUTER_GRACE = Duration.ofSeconds(40);
    /** How long a successor may take, once the router before let go, to load the routes and accept. */
    private static final Duration TAKE_OVER = Duration.ofSeconds(60);
    /** The Unix socket in DATA_DIR/run where routers take the listeners this process keeps. */
    public static final String LISTENERS_SOCKET = "router-listeners.sock";

    @Mixin
    DataDirOption dataDir;

    @Option(names = "--listen", required = true, converter = HostPort.Converter.class, description = "Users' traffic (port 0: a free one, kept across restarts).")
    HostPort listen;

    @Option(names = "--admin", required = true, converter = HostPort.Converter.class, description = "The admin API (port 0: a free one, kept across restarts).")
    HostPort admin;

    @Mixin
    EdgeOptions edge;

    private volatile boolean stopping;
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();

    /** What the supervisor waits for: a router exited, a restart was asked for (SIGHUP), a stop (SIGTERM). */
    private sealed interface Event {
        record Exited(ChildProcess router, int code) implements Event {
        }

        record Restart() implements Event {
        }

        record Stop() implements Event {
        }
    }

    @Override
    public Integer call() throws Exception {
        DataDir dir = dataDir.dir();
        Signal.handle(new Signal("TERM"), s -> stop());
        Signal.handle(new Signal("INT"), s -> stop());
        Signal.handle(new Signal("HUP"), s -> events.add(new Event.Restart()));
        ListenerKeeper keeper;
        try {
            keeper = ListenerKeeper.open(listens(), dir.run().resolve(LISTENERS_SOCKET));
        } catch (IOException e) {
            say("the router did not start: " + e.getMessage());
            return Main.FAILED; // glidepath up reports it
        }
        try (keeper) {
            // the addresses held for good: every router this starts accepts on them
            List<InetSocketAddress> held = keeper.addresses();
            listen = new HostPort(held.get(0).getHostString(), held.get(0).getPort());
            if (held.size() > 1) {
                edge.pinTlsListen(new HostPort(held.get(1).getHostString(), held.get(1).getPort()));
            }
            return supervise(dir, keeper);
        }
    }

    private List<ListenerKeeper.Listen> listens() {
        List<ListenerKeeper.Listen> l = new ArrayList<>(List.of(new ListenerKeeper.Listen(listen.host(), listen.port())));
        edge.tlsListen().ifPresent(t -> l.add(new ListenerKeeper.Listen(t.host(), t.port())));
        return l;
    }

    private int supervise(DataDir dir, ListenerKeeper keeper) throws InterruptedException, IOException {
        int crashesInARow = 0;
        boolean first = true;
        ChildProcess router = null;
        while (!stopping) {
            Instant started = Instant.now();
            try {
                router = start(dir, keeper, RouterCommand.READY_PREFIX);
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
            adopt(dir, router, router.readyLine());
            int code = 0;
            boolean startAfresh = false;
            while (!stopping && !startAfresh) {
                Event e = events.take();
                if (e instanceof Event.Restart) {
                    ChildProcess next = handOver(dir, keeper, router);
                    startAfresh = next == null;
                    router = next == null ? router : next;
                } else if (e instanceof Event.Exited x && x.router() != router) {
                    say("the router before (pid " + x.router().pid() + ") exited (" + x.code() + ") once its requests in flight were done");
                } else if (e instanceof Event.Exited x) {
                    code = x.code();
                    break;
                }
            }
            if (stopping) {
                break;
            }
            if (startAfresh) {
                continue;
            }
            if (code == 0) {
                say("the router (pid " + router.pid() + ") stopped cleanly: not starting it again");
                return Main.OK;
            }
            crashesInARow = Duration.between(started, Instant.now()).compareTo(QUICK) < 0 ? crashesInARow + 1 : 1;
            Duration wait = backoff(crashesInARow);
            say("the router (pid " + router.pid() + ") died (exit " + code + (code == 137 ? ", SIGKILL" : "") + "): starting it again on "
                    + listen + " (connections meanwhile wait in its listener's queue)"
                    + (wait.isZero() ? "" : " in " + wait.toMillis() + " ms (it crashed " + crashesInARow + " times in a row)"));
            pause(wait);
        }
        if (router != null) {
            router.stop(ROUTER_GRACE);
        }
        return Main.OK;
    }

    /** {@code router} is the one serving from now on: its admin address pinned, its pid written, its exit watched. */
    private void adopt(DataDir dir, ChildProcess router, String readyLine) throws IOException {
        if (readyLine != null) {
            // the admin address it bound: a restart listens where callers already connect
            String[] bound = readyLine.substring(RouterCommand.READY_PREFIX.length()).trim().split(" ");
            admin = new HostPort.Converter().convert(bound[3]); // "proxy HOST:PORT admin HOST:PORT ..."
            dir.writePid("router", router.pid());
        }
        Thread.ofPlatform().daemon().name("router-" + router.pid()).start(() -> {
            try {
                events.add(new Event.Exited(router, router.waitFor()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /**
     * A planned restart (SIGHUP; {@code glidepath restart-router}), for a new jar or new settings on disk:
     * the successor takes the same listeners and waits; the router serving is asked to stop, which
     * first lets go of the admin port and the state directory; the successor takes them, loads the
     * routes and health the state directory holds, and accepts beside the old one, which finishes its
     * requests in flight. Both accept from one queue, so no connection is refused or reset. When the
     * successor does not start, the router serving goes on; null when it started but did not take over,
     * after the router serving was asked to stop (a fresh router has to start).
     */
    private ChildProcess handOver(DataDir dir, ListenerKeeper keeper, ChildProcess serving) throws IOException, InterruptedException {
        say("restarting the router (pid " + serving.pid() + ") without a gap: its successor takes the same listeners");
        ChildProcess next;
        try {
            next = start(dir, keeper, RouterCommand.STANDING_BY);
        } catch (IOException e) {
            say("the successor did not start (" + e.getMessage() + "): the router (pid " + serving.pid() + ") goes on serving");
            return serving;
        }
        serving.askToStop();
        String ready;
        try {
            ready = next.awaitLine(l -> l.startsWith(RouterCommand.READY_PREFIX), TAKE_OVER);
        } catch (IOException e) {
            // the one before is stopping already: a fresh router starts once it let go
            say("the successor (pid " + next.pid() + ") did not take over: " + e.getMessage() + "; starting a fresh one");
            next.stop(Duration.ofSeconds(5));
            return null;
        }
        adopt(dir, next, ready);
        say("the router (pid " + next.pid() + ") took over from pid " + serving.pid() + ", which finishes its requests in flight");
        return next;
    }

    /** The first crash restarts at once; crashes in a row wait 0.5 s, 1 s, 2 s... up to {@link #MAX_BACKOFF}. */
    public static Duration backoff(int crashesInARow) {
        return crashesInARow <= 1 ? Duration.ZERO : RESTARTS.delay(crashesInARow - 1);
    }

    private ChildProcess start(DataDir dir, ListenerKeeper keeper, String readyPrefix) throws IOException {
        List<String> jvm = new ArrayList<>(ChildProcess.jvmFlags());
        jvm.add(RouterHeap.flag(System.getenv())); // as the launcher bounds `glidepath router`: 1g, or GLIDEPATH_ROUTER_HEAP
        jvm.add("-XX:+ExitOnOutOfMemoryError"); // a router out of memory exits and is started again here, rather than limping
        jvm.addAll(ClassDataSharing.flags("router"));
        List<String> args = new ArrayList<>(List.of("router", "--listen", listen.toString(), "--admin", admin.toString(), "--state-dir",
                dir.routerState().toString(), "--listeners-from", keeper.socketPath().toString()));
        args.addAll(edge.routerArgs());
        return ChildProcess.startJava("router", jvm, Main.class.getName(), args,
                l -> l.startsWith(readyPrefix), dir.log("router"), Duration.ofSeconds(60));
    }

    private void stop() {
        stopping = true;
        events.add(new Event.Stop()); // the main thread stops the router serving, with its grace
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
