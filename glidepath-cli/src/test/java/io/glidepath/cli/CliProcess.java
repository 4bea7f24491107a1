package io.glidepath.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code glidepath ...} as a real child process, from the test classpath's classes packed in jars and
 * with class-data sharing, as the launcher runs the shaded jar ({@link CliJvm}). Its output goes to files,
 * not pipes: a pipe's last lines can be lost when the process exits while a reader is blocked.
 */
final class CliProcess implements AutoCloseable {
    final Process process;
    private final Path out;
    private final Path err;

    private CliProcess(Process process, Path out, Path err) {
        this.process = process;
        this.out = out;
        this.err = err;
    }

    static CliProcess start(String... args) throws IOException {
        return start(java.util.Map.of(), args);
    }

    /** With {@code env} added to this JVM's environment. */
    static CliProcess start(java.util.Map<String, String> env, String... args) throws IOException {
        CliJvm jvm = CliJvm.get();
        List<String> cmd = CliJvm.javaAndFlags();
        if (args.length > 0) {
            cmd.addAll(jvm.flags(args[0]));
        }
        cmd.add("-cp");
        cmd.add(jvm.classpath());
        cmd.add(Main.class.getName());
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile("glidepath-cli", ".out");
        Path err = Files.createTempFile("glidepath-cli", ".err");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().putAll(jvm.env());
        pb.environment().putAll(env);
        Process p = pb.start();
        return new CliProcess(p, out, err);
    }

    List<String> stdoutLines() {
        try {
            return Files.readAllLines(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int waitFor(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            throw new AssertionError("glidepath did not exit within " + seconds + " s; stdout " + out() + " stderr " + err());
        }
        return process.exitValue();
    }

    /** SIGTERM, as {@code kill PID} or a service manager stopping it sends. */
    void terminate() {
        process.destroy();
    }

    String out() {
        return read(out);
    }

    String err() {
        return read(err);
    }

    /** {@code glidepath up --data-dir DIR MORE...}, with the server's failpoint armed (none when null); asserts it exits 0. */
    static int up(io.glidepath.cli.local.DataDir dir, String failpoint, String... more) throws Exception {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("up", "--data-dir", dir.root().toString()));
        args.addAll(java.util.List.of(more));
        try (CliProcess p = start(failpoint == null ? java.util.Map.of() : java.util.Map.of("GLIDEPATH_FAILPOINT", failpoint), args.toArray(String[]::new))) {
            int code = p.waitFor(120);
            org.assertj.core.api.Assertions.assertThat(code).as(p.out() + p.err()).isZero();
            return code;
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws Exception {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
    }
}
