package io.glidepath.cli.proc;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A child JVM running part of Glidepath (router, sample service) from this very jar, started as argv
 * (no shell), its output kept in a log file. {@link #start} waits for the line by which the child
 * says it is ready. {@link #stop} sends SIGTERM, waits, then SIGKILLs the child and its descendants.
 */
public final class ChildProcess implements AutoCloseable {
    private final String name;
    private final Process process;
    private final String readyLine;
    private final Path log;

    private ChildProcess(String name, Process process, String readyLine, Path log) {
        this.name = name;
        this.process = process;
        this.readyLine = readyLine;
        this.log = log;
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
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        Files.createDirectories(log.toAbsolutePath().getParent());
        PrintWriter logOut = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8), true);
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> readyFuture = new CompletableFuture<>();
        Thread.ofVirtual().name(name + "-output").start(() -> {
            try (logOut) {
                String line;
                while ((line = out.readLine()) != null) {
                    logOut.println(line);
                    if (!readyFuture.isDone() && ready.test(line)) {
                        readyFuture.complete(line);
                    }
                }
            } catch (IOException ignored) {
                // the child ended
            }
            readyFuture.completeExceptionally(new IOException(name + " exited before it was ready (exit " + exitOf(p) + "); see " + log));
        });
        try {
            return new ChildProcess(name, p, readyFuture.get(timeout.toMillis(), TimeUnit.MILLISECONDS), log);
        } catch (Exception e) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IOException(name + " did not start: " + cause.getMessage(), cause);
        }
    }

    private static String exitOf(Process p) {
        try {
            return p.waitFor(2, TimeUnit.SECONDS) ? String.valueOf(p.exitValue()) : "still running";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    public String readyLine() {
        return readyLine;
    }

    public long pid() {
        return process.pid();
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
