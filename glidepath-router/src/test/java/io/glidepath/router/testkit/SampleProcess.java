package io.glidepath.router.testkit;

import io.glidepath.examples.SampleService;
import io.glidepath.route.EndpointAddress;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The sample service as a real OS process on an ephemeral loopback port. It binds port 0 and
 * announces the port on stdout; {@link #start} waits for that line.
 */
public final class SampleProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on ([0-9.]+):(\\d+)");

    private final Process process;
    private final EndpointAddress address;
    private final String version;

    private SampleProcess(Process process, EndpointAddress address, String version) {
        this.process = process;
        this.address = address;
        this.version = version;
    }

    public static SampleProcess start(String version) throws IOException {
        return start(version, Map.of());
    }

    /** Starts the service with {@code VERSION=version} plus the given settings (ERROR_RATE, LATENCY...). */
    public static SampleProcess start(String version, Map<String, String> settings) throws IOException {
        return start(version, settings, List.of());
    }

    public static SampleProcess start(String version, Map<String, String> settings, List<String> jvmFlags) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBinary());
        cmd.add("-Xss512k");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.addAll(jvmFlags);
        cmd.add("-cp");
        cmd.add(classpathOf(SampleService.class));
        cmd.add(SampleService.class.getName());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("PORT", "0");
        pb.environment().put("VERSION", version);
        pb.environment().putAll(settings);
        Process p = pb.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<EndpointAddress> announced = CompletableFuture.supplyAsync(() -> {
            try {
                String line;
                while ((line = out.readLine()) != null) {
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        EndpointAddress a = new EndpointAddress(m.group(1), Integer.parseInt(m.group(2)));
                        Thread.ofVirtual().start(() -> drain(out)); // keep the pipe from filling
                        return a;
                    }
                }
                throw new IllegalStateException("sample service exited before listening");
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            return new SampleProcess(p, announced.get(30, TimeUnit.SECONDS), version);
        } catch (Exception e) {
            p.destroyForcibly();
            throw new IOException("sample service " + version + " did not start: " + e.getMessage(), e);
        }
    }

    private static void drain(BufferedReader out) {
        try {
            while (out.readLine() != null) {
                // discard
            }
        } catch (IOException ignored) {
            // the process ended
        }
    }

    public static String javaBinary() {
        return ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    public static String classpathOf(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public EndpointAddress address() {
        return address;
    }

    public String version() {
        return version;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL: the process gets no chance to finish anything. */
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
    }
}
