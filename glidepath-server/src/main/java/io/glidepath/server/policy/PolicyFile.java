package io.glidepath.server.policy;

import io.glidepath.policy.InvalidPolicyException;
import io.glidepath.policy.Policy;
import io.glidepath.policy.PolicyReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's policy file (docs/policies.md), read at start (errors stop the server, as a webhooks
 * file's do) and again whenever its content changes, looked at every {@code period}: a good edit takes
 * effect for releases submitted from then on; a bad one keeps the last good policy and logs every
 * error with file:line:column. A file that does not exist is no policy (one created later is read).
 */
public final class PolicyFile implements Supplier<Policy>, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PolicyFile.class);

    private final Path file;
    private final ScheduledExecutorService timer;
    private volatile Policy current;
    private volatile byte[] lastSeen; // null: no file

    private PolicyFile(Path file, Policy first, byte[] seen, Duration period) {
        this.file = file;
        this.current = first;
        this.lastSeen = seen;
        this.timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("policy-file").factory());
        timer.scheduleWithFixedDelay(this::reload, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Reads {@code file} (absent: no policy until it appears) and watches it; a file with errors throws. */
    public static PolicyFile watch(Path file, Duration period) throws IOException, InvalidPolicyException {
        byte[] bytes = read(file);
        Policy p = bytes == null ? Policy.none() : PolicyReader.read(file);
        if (bytes != null) {
            log.info("policy from {}: {}", file, summary(p));
        }
        return new PolicyFile(file, p, bytes, period);
    }

    @Override
    public Policy get() {
        return current;
    }

    public Path file() {
        return file;
    }

    /** Reads the file again when its bytes changed. */
    void reload() {
        try {
            byte[] bytes = read(file);
            if (Arrays.equals(bytes, lastSeen)) {
                return;
            }
            lastSeen = bytes;
            if (bytes == null) {
                current = Policy.none();
                log.warn("policy file {} is gone: no policy applies to releases submitted from now on", file);
                return;
            }
            current = PolicyReader.read(file);
            log.info("policy file {} changed: {}", file, summary(current));
        } catch (InvalidPolicyException e) {
            log.error("{}\nthe server keeps its last good policy until the file is fixed", e.getMessage());
        } catch (IOException | RuntimeException e) {
            log.error("policy file {} could not be read ({}); the server keeps its last good policy", file, e.getMessage());
        }
    }

    private static byte[] read(Path file) throws IOException {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    static String summary(Policy p) {
        return p.windows().size() + " deploy window(s), " + p.approvals().size() + " approval rule(s), " + p.evidence().size()
                + " evidence check(s), " + (p.platform().isPresent() ? "platform limits" : "no platform limits");
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
