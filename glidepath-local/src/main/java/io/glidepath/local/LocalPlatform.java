package io.glidepath.local;

import io.glidepath.migration.Migrations;
import io.glidepath.platform.Instance;
import io.glidepath.platform.InstanceRegistry;
import io.glidepath.platform.Platform;
import io.glidepath.platform.PlatformException;
import io.glidepath.platform.ServiceVersion;
import io.glidepath.route.EndpointAddress;
import io.glidepath.spec.RunSpec;
import io.glidepath.spec.ServiceSpec;
import io.glidepath.spec.SpecError;
import io.glidepath.spec.Templates;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Instances as OS processes on this host. The command runs as argv (never through a shell) with the
 * platform's environment plus {@code run.env}; output goes to one log file per instance under the
 * data directory (a file, not a pipe, so instances outlive the server); a stop is SIGTERM, the grace,
 * then SIGKILL for the whole process tree. Every instance is recorded in the registry with its pid
 * and process start time, so a restarted server adopts live ones and never mistakes a reused pid.
 */
public final class LocalPlatform implements Platform {
    private static final Logger log = LoggerFactory.getLogger(LocalPlatform.class);
    private static final Duration RECENT_PORT = Duration.ofMinutes(1);
    private static final Pattern ERRNO = Pattern.compile("error[=:] ?(\\d+)");
    /** Set in every instance's environment: which data directory started it, and as which instance (how strays are found). */
    public static final String DATA_DIR_ENV = "GLIDEPATH_DATA_DIR";
    public static final String INSTANCE_ENV = "GLIDEPATH_INSTANCE";

    private final Path logsDir;
    private final String dataDir;
    private final InstanceRegistry registry;
    private final Function<String, Optional<String>> hostEnv;
    private final Clock clock;
    private final Map<String, String> platformValues;
    /** Ports handed out lately: one may be found free again before its instance binds it. */
    private final Map<Integer, Instant> recentPorts = new ConcurrentHashMap<>();
    private final InstancePorts ports;

    public LocalPlatform(Path dataDir, InstanceRegistry registry, Function<String, Optional<String>> hostEnv, Clock clock) {
        this(dataDir, registry, hostEnv, clock, Optional.empty());
    }

    /** With {@code router}: the {@code {{router}}} placeholder is where traffic enters it. */
    public LocalPlatform(Path dataDir, InstanceRegistry registry, Function<String, Optional<String>> hostEnv, Clock clock,
                         Optional<EndpointAddress> router) {
        this.logsDir = dataDir.resolve("logs");
        this.dataDir = dataDir.toAbsolutePath().normalize().toString();
        this.registry = registry;
        this.hostEnv = hostEnv;
        this.clock = clock;
        this.platformValues = router.map(r -> Map.of("router", r.toString())).orElse(Map.of());
        this.ports = InstancePorts.onThisHost();
    }

    public static LocalPlatform onThisHost(Path dataDir, InstanceRegistry registry) {
        return onThisHost(dataDir, registry, Optional.empty());
    }

    public static LocalPlatform onThisHost(Path dataDir, InstanceRegistry registry, Optional<EndpointAddress> router) {
        return new LocalPlatform(dataDir, registry, name -> Optional.ofNullable(System.getenv(name)), Clock.systemUTC(), router);
    }

    /** Where an instance's output goes: logs/SERVICE/VERSION/INSTANCE.log under the data directory. */
    public Path logFile(String service, String version, String instanceId) {
        return logsDir.resolve(safe(service)).resolve(safe(version)).resolve(instanceId + ".log");
    }

    public Path logsDir() {
        return logsDir;
    }

    @Override
    public List<SpecError> problems(ServiceSpec service, String path) {
        if (service.run().command().isEmpty()) {
            return List.of(new SpecError(service.run().location(), path + ".run.command", "is required on this server, which runs services as "
                    + "processes on its host (run.image is for Kubernetes): add the program and its arguments, such as [java, -jar, app.jar]"));
        }
        return List.of();
    }

    @Override
    public List<Instance> start(ServiceVersion sv, int replicas) throws PlatformException {
        List<Instance> started = new ArrayList<>();
        try {
            for (int i = 0; i < replicas; i++) {
                started.add(startOne(sv));
            }
            return started;
        } catch (PlatformException | RuntimeException e) {
            started.forEach(inst -> stop(inst, Duration.ZERO));
            throw e;
        }
    }

    private Instance startOne(ServiceVersion sv) throws PlatformException {
        RunSpec run = sv.run();
        int port = freePort();
        String id = safe(sv.service()) + "-" + safe(sv.version()) + "-" + HexFormat.of().formatHex(randomBytes());
        Map<String, String> values = new HashMap<>(platformValues);
        values.putAll(Map.of("port", String.valueOf(port), "instance", id, "version", sv.version(), "service", sv.service(),
                "applicationName", Migrations.applicationName(sv.service(), sv.version())));
        List<String> argv = new ArrayList<>();
        Path workdir;
        Map<String, String> env = new LinkedHashMap<>();
        try {
            for (String arg : run.command()) {
                argv.add(Templates.expand(arg, values, hostEnv));
            }
            workdir = run.workdir().map(w -> sv.baseDir().resolve(Templates.expand(w, values, hostEnv))).orElse(sv.baseDir()).toAbsolutePath();
            run.env().forEach((k, v) -> env.put(k, Templates.expand(v, values, hostEnv)));
        } catch (IllegalArgumentException e) {
            throw new PlatformException("cannot start " + sv.service() + " " + sv.version() + ": " + e.getMessage()
                    + (e.getMessage().contains("{{router}}") ? " (this platform runs without a router)" : ""), e);
        }
        if (!Files.isDirectory(workdir)) {
            throw new PlatformException("cannot start " + sv.service() + " " + sv.version() + ": run.workdir " + workdir
                    + " is not a directory", null);
        }
        Path logFile = logFile(sv.service(), sv.version(), id);
        ProcessBuilder pb = new ProcessBuilder(argv).directory(workdir.toFile()).redirectErrorStream(true);
        // libpq-based clients (psql, psycopg, lib/pq) name their sessions from PGAPPNAME; JDBC ones use {{applicationName}}
        pb.environment().put("PGAPPNAME", Migrations.applicationName(sv.service(), sv.version()));
        pb.environment().putAll(env);
        pb.environment().put(DATA_DIR_ENV, dataDir);
        pb.environment().put(INSTANCE_ENV, id);
        Process p;
        try {
            Files.createDirectories(logFile.getParent());
            pb.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
            p = pb.start();
        } catch (IOException e) {
            throw new PlatformException("cannot start " + sv.service() + " " + sv.version() + ": " + argv.get(0) + " (run.command[0]) "
                    + reason(e) + "; the command runs as argv in " + workdir + ", without a shell", e);
        }
        Instant processStart = p.toHandle().info().startInstant().orElse(Instant.EPOCH);
        Instance instance = new Instance(id, sv.service(), sv.version(), new EndpointAddress("127.0.0.1", port), p.pid(), processStart,
                logFile, clock.instant());
        registry.save(instance);
        log.info("started {} {} as {} (pid {}, port {}, log {})", sv.service(), sv.version(), id, p.pid(), port, logFile);
        return instance;
    }

    private static String reason(IOException e) {
        String m = String.valueOf(e.getMessage());
        // the JDK words it "error=2, No such file..." or "error: 2 (No such file...)" depending on version
        Matcher errno = ERRNO.matcher(m);
        String code = errno.find() ? errno.group(1) : "";
        return switch (code) {
            case "2" -> "was not found";
            case "13" -> "is not executable";
            default -> "failed: " + m;
        };
    }

    @Override
    public void stop(Instance instance, Duration grace) {
        Optional<ProcessHandle> h = handle(instance);
        if (h.isPresent()) {
            ProcessHandle root = h.get();
            List<ProcessHandle> tree = root.descendants().toList();
            root.destroy();
            boolean exited = waitFor(root, grace);
            if (!exited) {
                log.warn("instance {} (pid {}) still runs after its stop grace of {}: killing its process tree", instance.id(), instance.pid(), grace);
                root.destroyForcibly();
                tree.forEach(ProcessHandle::destroyForcibly);
                waitFor(root, Duration.ofSeconds(5));
            }
            // children that outlived their parent would keep ports and files: they go too
            List<ProcessHandle> left = new ArrayList<>(tree);
            left.addAll(root.descendants().toList());
            left.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
            log.info("stopped {} (pid {})", instance.id(), instance.pid());
        }
        registry.remove(instance.id());
    }

    /**
     * Waits for a process to exit, at most {@code d}. Polled every 10 ms: for a process this JVM did
     * not start (an instance adopted from a previous server) the JDK's exit notice comes late.
     */
    private static boolean waitFor(ProcessHandle h, Duration d) {
        long end = System.nanoTime() + Math.max(1, d.toNanos());
        try {
            while (h.isAlive()) {
                if (System.nanoTime() >= end) {
                    return false;
                }
                Thread.sleep(10);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !h.isAlive();
        }
    }

    @Override
    public List<Instance> list(String service) {
        return registry.instances().stream().filter(i -> i.service().equals(service)).filter(this::isAlive).toList();
    }

    /**
     * Stops the processes this data directory's platform started that the registry does not know:
     * a server killed between starting a process and recording it leaves such a stray. Found by the
     * marker every instance carries in its environment (readable in /proc for processes of this
     * user). Returns their pids.
     */
    public List<Long> stopStrays(Duration grace) {
        Set<String> known = new HashSet<>();
        registry.instances().forEach(i -> known.add(i.id()));
        List<ProcessHandle> strays = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(h -> {
            Map<String, String> env = environ(h.pid());
            String instance = env.get(INSTANCE_ENV);
            if (instance != null && dataDir.equals(env.get(DATA_DIR_ENV)) && !known.contains(instance)) {
                strays.add(h);
            }
        });
        for (ProcessHandle h : strays) {
            log.warn("stopping pid {}: an instance this platform started but never recorded (the server died in between)", h.pid());
            h.destroy();
        }
        for (ProcessHandle h : strays) {
            if (!waitFor(h, grace)) {
                h.destroyForcibly();
                waitFor(h, Duration.ofSeconds(5));
            }
        }
        return strays.stream().map(ProcessHandle::pid).toList();
    }

    /** A process's environment from /proc (empty when it is gone or not ours to read). */
    static Map<String, String> environ(long pid) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", String.valueOf(pid), "environ"));
            Map<String, String> env = new HashMap<>();
            for (String kv : new String(raw, java.nio.charset.StandardCharsets.UTF_8).split("\0")) {
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    env.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
            }
            return env;
        } catch (IOException | SecurityException e) {
            return Map.of();
        }
    }

    /** Every instance in the registry whose process is gone (crashed while nobody watched). */
    public List<Instance> dead() {
        return registry.instances().stream().filter(i -> !isAlive(i)).toList();
    }

    @Override
    public boolean isAlive(Instance instance) {
        return handle(instance).isPresent();
    }

    @Override
    public CompletableFuture<Void> exited(Instance instance) {
        return handle(instance).map(h -> h.onExit().thenApply(x -> (Void) null)).orElse(CompletableFuture.completedFuture(null));
    }

    /** The live process of an instance; a reused pid (another start time) is not it. */
    private static Optional<ProcessHandle> handle(Instance instance) {
        return ProcessHandle.of(instance.pid())
                .filter(ProcessHandle::isAlive)
                .filter(h -> instance.processStart().equals(Instant.EPOCH)
                        || h.info().startInstant().map(instance.processStart()::equals).orElse(false));
    }

    /** A free port outside the kernel's ephemeral range ({@link InstancePorts}), not handed out in the last minute nor a known instance's. */
    private int freePort() throws PlatformException {
        Instant now = clock.instant();
        recentPorts.entrySet().removeIf(e -> e.getValue().plus(RECENT_PORT).isBefore(now));
        Set<Integer> taken = new HashSet<>();
        registry.instances().forEach(i -> taken.add(i.address().port()));
        return ports.pick(port -> !taken.contains(port) && recentPorts.putIfAbsent(port, now) == null);
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[3];
        ThreadLocalRandom.current().nextBytes(b);
        return b;
    }

    /** A name safe as a file name and instance id part. */
    static String safe(String s) {
        return s.replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
