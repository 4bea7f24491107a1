package io.glidepath.router.handoff;

import io.glidepath.router.route.RouteRuntime;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The figures the judge reads, handed from a router that stops to the one that takes over, so that a
 * window across a planned restart or upgrade counts the requests of both: each route's per-second
 * series (tracks, overridden, shield answers, shadow, endpoints), its clients' first-error ledger and
 * its reveals. The router stopping writes them into its state directory ({@link #FILE}, written
 * beside and renamed over) just before it lets go of the directory; the next router to take the
 * directory adds them to its own before it serves, and deletes the file.
 *
 * <p>What the one before answers after writing (the requests in flight then, and one more on each
 * keep-alive connection while it drains) is not handed over: a handful of requests, counted nowhere
 * rather than twice. A router that dies writes nothing: its successor starts from nothing, as before.
 * A file older than {@link #FRESH} (a router started long after the last one stopped) is not taken.
 */
public final class FiguresHandoff {
    private static final Logger log = LoggerFactory.getLogger(FiguresHandoff.class);
    public static final String FILE = "figures.handoff";
    /** A file older than this is from another time: its seconds would mostly be gone anyway. */
    public static final Duration FRESH = Duration.ofSeconds(60);
    private static final int MAGIC = 0x47504649; // "GPFI"
    private static final int FORMAT = 1;

    private FiguresHandoff() {
    }

    /** Writes the figures of {@code routes} to {@code stateDir}: beside the file, then renamed over it. */
    public static void write(Path stateDir, Collection<RouteRuntime> routes, long nowMillis) throws IOException {
        Path target = stateDir.resolve(FILE);
        Path tmp = stateDir.resolve(FILE + ".tmp");
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16))) {
            out.writeInt(MAGIC);
            out.writeInt(FORMAT);
            out.writeLong(nowMillis);
            out.writeInt(routes.size());
            for (RouteRuntime rt : routes) {
                ByteArrayOutputStream route = new ByteArrayOutputStream();
                rt.writeFiguresTo(new DataOutputStream(route));
                out.writeUTF(rt.name());
                out.writeInt(route.size());
                route.writeTo((OutputStream) out);
            }
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Adds the figures a predecessor handed over to {@code routes} (by name; a route this router no
     * longer has is skipped) and deletes the file. Returns how many routes took figures: 0 with no file, a
     * stale one, or one that cannot be read (said in the log; the router starts from nothing then).
     */
    public static int absorb(Path stateDir, Collection<RouteRuntime> routes, long nowMillis) {
        Path file = stateDir.resolve(FILE);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            log.warn("cannot read the figures handed over in {}: {}; the figures start from now", file, e.getMessage());
            return 0;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.warn("cannot delete {}: {}", file, e.getMessage());
        }
        Map<String, RouteRuntime> byName = routes.stream().collect(Collectors.toMap(RouteRuntime::name, rt -> rt, (a, b) -> a));
        int taken = 0;
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(new ByteArrayInputStream(bytes)))) {
            if (in.readInt() != MAGIC || in.readInt() != FORMAT) {
                log.warn("{} is not a figures file this router reads (another version wrote it?); the figures start from now", file);
                return 0;
            }
            long writtenAt = in.readLong();
            if (nowMillis - writtenAt > FRESH.toMillis()) {
                log.info("the figures in {} are {} s old; not taken", file, (nowMillis - writtenAt) / 1000);
                return 0;
            }
            int count = in.readInt();
            for (int i = 0; i < count; i++) {
                String name = in.readUTF();
                byte[] figures = new byte[in.readInt()];
                in.readFully(figures);
                RouteRuntime rt = byName.get(name);
                if (rt != null) {
                    rt.absorbFigures(new DataInputStream(new ByteArrayInputStream(figures)));
                    taken++;
                }
            }
        } catch (IOException | RuntimeException e) {
            log.warn("the figures handed over in {} cannot be read ({}); those of {} routes were taken, the rest start from now", file,
                    e.getMessage(), taken);
            return taken;
        }
        log.info("took over the figures of {} routes from the router before", taken);
        return taken;
    }
}
