package io.glidepath.cli;

import io.glidepath.cli.proc.ChildProcess;
import io.glidepath.cli.proc.ClassDataSharing;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * How the tests start {@code glidepath} JVMs ({@link CliProcess}): as the launcher runs the shaded jar,
 * from jars and with class-data sharing. Measured (docs/benchmarks.md, "Test suite"): a server started
 * by {@code up} from the test classpath spent about 2.5 s of CPU to its ready line, most of it loading
 * classes, and 1.5 s with an archive; the CLI 1.3 s against 0.85 s. The classpath itself costs little;
 * the archive is what the test classpath could not have, because the JVM archives classes from jars only
 * and refuses to when a non-empty directory (target/classes) is on the classpath.
 * <p>
 * So, once per test JVM: each directory on the test classpath is packed into a jar, then one {@code up}
 * and {@code down} in a scratch data directory write the archives (the CLI's own for up and down, and
 * through {@link ClassDataSharing} the server's, the router supervisor's and the router's), which every
 * later child maps. Children run the same classes either way; should any of this fail, they start
 * without archives, as they did before.
 */
final class CliJvm {
    /** Roles whose archive a CLI process maps when its command is that role. */
    private static final Set<String> CLI_ROLES = Set.of("up", "down", "router", "server");
    /** Children of {@code up} that must all have an archive, or none is used (one without would write its own at every exit). */
    private static final List<String> CHILD_ROLES = List.of("server", "supervisor", "router");
    /** A dynamic archive's first four bytes, little-endian; the JVM writes its header last, so a file with them is whole. */
    private static final int DYNAMIC_ARCHIVE_MAGIC = 0xf00baba8;
    private static final String QUIET = "-Xlog:cds*=off";

    private static CliJvm current;

    private final String classpath;
    private final Path archives;
    private final Map<String, String> env;

    private CliJvm(String classpath, Path archives, Map<String, String> env) {
        this.classpath = classpath;
        this.archives = archives;
        this.env = env;
    }

    /** The set-up of this test JVM, made on first use. */
    static synchronized CliJvm get() {
        if (current == null) {
            current = make(Path.of("target", "cli-jvm").toAbsolutePath());
        }
        return current;
    }

    /** The JVM's own executable and the flags every glidepath JVM gets (as ChildProcess gives them). */
    static List<String> javaAndFlags() {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(ChildProcess.jvmFlags());
        return cmd;
    }

    String classpath() {
        return classpath;
    }

    /** What the children of a CLI process need to find the archives ({@link ClassDataSharing}'s variables); empty without them. */
    Map<String, String> env() {
        return env;
    }

    /** The archive flags for a CLI process running {@code command}, when there is an archive for it. */
    List<String> flags(String command) {
        if (archives == null || !CLI_ROLES.contains(command)) {
            return List.of();
        }
        Path archive = archives.resolve(command + ".jsa");
        return Files.isRegularFile(archive) ? List.of("-XX:SharedArchiveFile=" + archive, QUIET) : List.of();
    }

    private static CliJvm make(Path home) {
        String classpath;
        try {
            deleteTree(home);
            classpath = jarredClasspath(home.resolve("jars"));
        } catch (IOException e) {
            System.err.println("CliJvm: children run from the test classpath, without class-data sharing: " + e);
            return new CliJvm(System.getProperty("java.class.path"), null, Map.of());
        }
        Path archives = home.resolve("cds");
        String tag = "test" + ProcessHandle.current().pid();
        Map<String, String> env = Map.of(ClassDataSharing.DIR_ENV, archives.toString(), ClassDataSharing.TAG_ENV, tag);
        try {
            Files.createDirectories(archives);
            train(classpath, archives, tag, env);
            publish(archives);
        } catch (IOException | RuntimeException e) {
            System.err.println("CliJvm: children run without class-data sharing: " + e);
            return new CliJvm(classpath, null, Map.of());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new CliJvm(classpath, null, Map.of());
        }
        boolean children = CHILD_ROLES.stream().allMatch(r -> Files.isRegularFile(archives.resolve(r + ".jsa")));
        return new CliJvm(classpath, archives, children ? env : Map.of());
    }

    /** This JVM's classpath with each directory on it packed into a jar of its own (in order). */
    private static String jarredClasspath(Path jars) throws IOException {
        Files.createDirectories(jars);
        List<String> entries = new ArrayList<>();
        int n = 0;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(entry);
            if (Files.isDirectory(p)) {
                String name = p.toAbsolutePath().toString().replaceAll("[^A-Za-z0-9]+", "-");
                Path jar = jars.resolve((n++) + name.substring(Math.max(0, name.length() - 60)) + ".jar");
                pack(p, jar);
                entries.add(jar.toString());
            } else if (Files.isRegularFile(p)) {
                entries.add(entry);
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    /** A jar of {@code dir}, directory entries included (a class loader finds a resource directory in a jar only by its entry). */
    private static void pack(Path dir, Path jar) throws IOException {
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream zip = new JarOutputStream(out);
             Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted().toList()) {
                String name = dir.relativize(f).toString().replace(File.separatorChar, '/');
                if (name.isEmpty()) {
                    continue;
                }
                boolean isDir = Files.isDirectory(f);
                zip.putNextEntry(new JarEntry(isDir ? name + "/" : name));
                if (!isDir) {
                    try (InputStream in = Files.newInputStream(f)) {
                        in.transferTo(zip);
                    }
                }
                zip.closeEntry();
            }
        }
    }

    /** One up and down in a scratch data directory; every JVM among them writes its archive when it exits. */
    private static void train(String classpath, Path archives, String tag, Map<String, String> env) throws IOException, InterruptedException {
        Path data = Files.createTempDirectory("glidepath-cds-training");
        try {
            run(classpath, archives, tag, env, "up", "--data-dir", data.toString(), "--listen", "127.0.0.1:0", "--api", "127.0.0.1:0");
        } finally {
            run(classpath, archives, tag, env, "down", "--data-dir", data.toString());
            deleteTree(data);
        }
    }

    private static void run(String classpath, Path archives, String tag, Map<String, String> env, String... args)
            throws IOException, InterruptedException {
        List<String> cmd = javaAndFlags();
        cmd.addAll(List.of("-XX:ArchiveClassesAtExit=" + archives.resolve(args[0] + ".jsa." + tag + "-cli.tmp"), QUIET, "-cp", classpath,
                Main.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new IOException("glidepath " + args[0] + " did not finish within 120 s");
        }
        if (p.exitValue() != 0) {
            throw new IOException("glidepath " + args[0] + " exited " + p.exitValue());
        }
    }

    /** Renames each whole ROLE.jsa.TAG-*.tmp to ROLE.jsa (the launcher's publish step); drops the rest. */
    private static void publish(Path archives) throws IOException {
        try (Stream<Path> files = Files.list(archives)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                int at = name.indexOf(".jsa.");
                if (at < 0 || !name.endsWith(".tmp")) {
                    continue;
                }
                Path target = archives.resolve(name.substring(0, at) + ".jsa");
                if (whole(f) && !Files.exists(target)) {
                    Files.move(f, target);
                } else {
                    Files.delete(f);
                }
            }
        }
    }

    private static boolean whole(Path archive) throws IOException {
        try (InputStream in = Files.newInputStream(archive)) {
            byte[] head = in.readNBytes(4);
            return head.length == 4 && ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getInt() == DYNAMIC_ARCHIVE_MAGIC;
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
