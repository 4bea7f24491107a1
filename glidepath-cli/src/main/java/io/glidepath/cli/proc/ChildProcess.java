package io.glidepath.cli.proc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * A child JVM running part of Glidepath (router, sample service) from this very jar, started as argv
 * (no shell), its output written to a log file. {@link #startJava} waits for the line by which the child
 * says it is ready. {@link #stop} sends SIGTERM, waits, then SIGKILLs the child and its descendants.
 */
public final class ChildProcess implements AutoCloseable {
    private static final long POLL_NANOS = 50_000_000L;
    private final String name;
    private final Process process;
    private final String readyLine;
    private final Path log;
    /** Where this child's lines begin in {@link #log} (logs are appended to across restarts). */
    private final long logStart;

    private ChildProcess(String name, Process process, String readyLine, Path log, long logStart) {
        this.name = name;
        this.process = process;
        this.readyLine = readyLine;
        this.log = log;
        this.logStart = logStart;
    }

    /** The JVM flags Netty wants on this JDK (see docs/architecture.md). */
    public static List<String> jvmFlags() {
        List<String> flags = new ArrayList<>();
        if (Runtime.version().feature() >= 23) {
            flags.add("--sun-misc-unsafe-memory-access=allow");
        }
        flags.add("--enable-native-access=ALL-UNNAMED");
        return flags;
    }

    /** Starts {@code java <flags> -cp <this classpath> mainClass args} and waits for a ready line. */
    public static ChildProcess startJava(String name, List<String> jvmArgs, String mainClass, List<String> args,
                                         Predicate<String> ready, Path log, Duration timeout) throws IOException {
        return startJava(name, jvmArgs, mainClass, args, ready, log, timeout, false);
    }

    /**
     * Like {@link #startJava}, and with {@code detached} in a session of its own ({@code setsid}), so
     * that neither this process ending nor a Ctrl-C in its terminal reaches the child.
     */
    public static ChildProcess startJava(String name, List<String> jvmArgs, String mainClass, List<String> args,
                                         Predicate<String> ready, Path log, Duration timeout, boolean detached) throws IOException {
        return startJava(name, jvmArgs, mainClass, args, Map.of(), ready, log, timeout, detached);
    }

    /**
     * Like {@link #startJava}, with {@code env} added to this process's environment: the way to hand a child a
     * secret, which its arguments would show to anyone listing processes.
     */
    public static ChildProcess startJava(String name, List<String> jvmArgs, String mainClass, List<String> args, Map<String, String> env,
                                         Predicate<String> ready, Path log, Duration timeout, boolean detached) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (detached && Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            cmd.add("/usr/bin/setsid");
        }
        cmd.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(args);
        Files.createDirectories(log.toAbsolutePath().getParent());
        // output to a file, not a pipe: the child must not depend on this process staying alive
        long logStart = Files.exists(log) ? Files.size(log) : 0;
        ProcessBuilder builder = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        builder.environment().putAll(env);
        Process p = builder.start();
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (true) {
                for (String line : linesFrom(log, logStart)) {
                    if (ready.test(line)) {
                        return new ChildProcess(name, p, line, log, logStart);
                    }
                }
                if (!p.isAlive()) {
                    throw new IOException(name + " exited before it was ready (exit " + p.exitValue() + "); see " + log);
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException(name + " was not ready within " + timeout.toSeconds() + " s; see " + log);
                }
                LockSupport.parkNanos(POLL_NANOS); // waiting on another process's log file
            }
        } catch (IOException | RuntimeException e) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw e instanceof IOException io ? io : new IOException(name + " did not start: " + e.getMessage(), e);
        }
    }

    /** The lines of {@code log} written after byte {@code from} (logs are appended to across restarts). */
    private static List<String> linesFrom(Path log, long from) throws IOException {
        byte[] all = Files.readAllBytes(log);
        int start = (int) Math.min(from, all.length);
        return new String(all, start, all.length - start, StandardCharsets.UTF_8).lines().toList();
    }

    public String readyLine() {
        return readyLine;
    }

    /**
     * Waits for a line after the ready one ({@code line} matching) in the child's log: the first such
     * line since the child started. Fails when the child exits first or {@code timeout} passes.
     */
    public String awaitLine(Predicate<String> line, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (String l : linesFrom(log, logStart)) {
                if (line.test(l)) {
                    return l;
                }
            }
            if (!process.isAlive()) {
                throw new IOException(name + " exited (exit " + process.exitValue() + ") before the line awaited; see " + log);
            }
            if (System.nanoTime() > deadline) {
                throw new IOException(name + " did not print the line awaited within " + timeout.toSeconds() + " s; see " + log);
            }
            LockSupport.parkNanos(POLL_NANOS / 5); // waiting on another process's log file
        }
    }

    /** SIGTERM, without waiting: the child finishes what it does and exits in its own time. */
    public void askToStop() {
        process.destroy();
    }

    public long pid() {
        return process.pid();
    }

    /** Waits until the child exits (this JVM hears of its own child's exit at once); its exit code. */
    public int waitFor() throws InterruptedException {
        return process.waitFor();
    }

    public Path log() {
        return log;
    }

    /** SIGTERM, then SIGKILL after {@code grace}; returns the exit code (-1 when it had to be killed). */
    public int stop(Duration grace) throws InterruptedException {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        int code;
        if (process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            code = process.exitValue();
        } else {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
            code = -1;
        }
        children.forEach(ProcessHandle::destroyForcibly);
        return code;
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            stop(Duration.ofSeconds(10));
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ")";
    }
}
