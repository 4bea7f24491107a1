package io.glidepath.router.proxy;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access log: one JSON line per request, written by a thread of its own so that the event loops
 * only hand over a record (a full queue drops the line and counts it; users' requests never wait on a
 * disk). Off by default. The path leaves out the query string: queries carry tokens often enough that
 * a log file is the wrong place for them. A file moved away (logrotate) is noticed within a second and
 * a new one opened at the path.
 */
public final class AccessLog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AccessLog.class);
    private static final int QUEUE = 65_536;
    private static final JsonFactory JSON = JsonFactory.builder().disable(StreamWriteFeature.AUTO_CLOSE_TARGET).build();

    /**
     * One request as the router handled it.
     *
     * @param track    stable, canary or preview; null when no route took the request
     * @param endpoint the backend that answered, null when the router answered itself
     * @param bytes    response body bytes sent to the client
     */
    public record Entry(long epochMillis, String client, String method, String host, String path, String protocol, String route, String track,
                        String version, String endpoint, int status, long bytes, long durationMicros, boolean shielded) {
    }

    private final Optional<Path> file;
    private final BlockingQueue<Entry> queue = new ArrayBlockingQueue<>(QUEUE);
    private final LongAdder dropped = new LongAdder();
    private final LongAdder written = new LongAdder();
    private final Thread writer;
    private volatile boolean closing;
    private OutputStream out;
    private Object fileKey;

    private AccessLog(Optional<Path> file) throws IOException {
        this.file = file;
        open();
        this.writer = Thread.ofPlatform().daemon().name("access-log").start(this::run);
    }

    /** Lines to {@code file} (appended; created with 0640), or to standard output when it is "-". */
    public static AccessLog to(String target) throws IOException {
        return new AccessLog(target.equals("-") ? Optional.empty() : Optional.of(Path.of(target)));
    }

    /** Hands a line over; never blocks. */
    void add(Entry e) {
        if (!queue.offer(e)) {
            dropped.increment();
        }
    }

    /** Lines dropped because the writer fell behind. */
    public long dropped() {
        return dropped.sum();
    }

    public long written() {
        return written.sum();
    }

    private void run() {
        List<Entry> batch = new ArrayList<>(1024);
        long lastCheck = System.nanoTime();
        while (!closing || !queue.isEmpty()) {
            try {
                Entry first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (System.nanoTime() - lastCheck > 1_000_000_000L) {
                    lastCheck = System.nanoTime();
                    reopenIfMoved();
                }
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, 1023);
                write(batch);
                batch.clear();
            } catch (InterruptedException e) {
                closing = true;
            } catch (IOException | UncheckedIOException e) {
                dropped.add(batch.size());
                batch.clear();
                log.warn("access log {}: cannot write ({}); lines are dropped until it can", file.map(Path::toString).orElse("stdout"), e.toString());
                sleepQuietly();
            }
        }
    }

    private void write(List<Entry> batch) throws IOException {
        try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            g.setPrettyPrinter(new MinimalPrettyPrinter("\n")); // one line per entry
            for (Entry e : batch) {
                g.writeStartObject();
                g.writeStringField("time", Instant.ofEpochMilli(e.epochMillis()).toString());
                g.writeStringField("client", e.client());
                g.writeStringField("method", e.method());
                g.writeStringField("host", e.host());
                g.writeStringField("path", e.path());
                g.writeStringField("protocol", e.protocol());
                g.writeStringField("route", e.route());
                g.writeStringField("track", e.track());
                g.writeStringField("version", e.version());
                g.writeStringField("endpoint", e.endpoint());
                g.writeNumberField("status", e.status());
                g.writeNumberField("bytes", e.bytes());
                g.writeNumberField("durationMs", e.durationMicros() / 1000.0);
                if (e.shielded()) {
                    g.writeBooleanField("shielded", true);
                }
                g.writeEndObject();
            }
            g.writeRaw('\n');
        }
        out.flush();
        written.add(batch.size());
    }

    private void open() throws IOException {
        if (file.isEmpty()) {
            out = System.out;
            return;
        }
        Path p = file.get();
        if (p.getParent() != null) {
            Files.createDirectories(p.getParent());
        }
        if (!Files.exists(p)) {
            try {
                Files.createFile(p, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----")));
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                // another writer created it: append to it
            }
        }
        out = new java.io.BufferedOutputStream(Files.newOutputStream(p, StandardOpenOption.APPEND, StandardOpenOption.WRITE), 64 * 1024);
        fileKey = Files.readAttributes(p, BasicFileAttributes.class).fileKey();
    }

    private void reopenIfMoved() throws IOException {
        if (file.isEmpty()) {
            return;
        }
        Object now = Files.exists(file.get()) ? Files.readAttributes(file.get(), BasicFileAttributes.class).fileKey() : null;
        if (now == null || !now.equals(fileKey)) {
            out.close();
            open();
        }
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Writes what is queued, then stops. */
    @Override
    public void close() {
        closing = true;
        try {
            writer.join(5_000);
            if (file.isPresent()) {
                out.close();
            } else {
                out.flush();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            log.warn("access log: closing failed: {}", e.toString());
        }
    }
}
