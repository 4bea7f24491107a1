package io.glidepath.cli.ops;

import io.glidepath.cli.Main;
import io.glidepath.cli.options.DataDirOption;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code glidepath logs SERVICE [--version V] [-f]}: the instances' output, each line tagged with its instance. */
@Command(name = "logs", mixinStandardHelpOptions = true, description = "Prints the output of a service's instances (from DATA_DIR/logs); -f follows.")
public final class LogsCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SERVICE")
    String service;

    @Option(names = "--version", description = "Only this version.")
    String version;

    @Option(names = {"-f", "--follow"}, description = "Keep printing new lines (and new instances) until Ctrl-C.")
    boolean follow;

    @Mixin
    DataDirOption dataDir;

    @Override
    public Integer call() throws Exception {
        Path base = dataDir.dir().logs().resolve(service.replaceAll("[^A-Za-z0-9._-]", "_"));
        if (!Files.isDirectory(base)) {
            System.err.println("glidepath logs: no logs for service " + service + " in " + base.getParent());
            return Main.INVALID_INPUT;
        }
        Map<Path, Long> offsets = new LinkedHashMap<>();
        do {
            for (Path f : files(base)) {
                long from = offsets.getOrDefault(f, 0L);
                long to = Files.size(f);
                if (to > from) {
                    String tag = f.getFileName().toString().replace(".log", "");
                    print(f, from, to, tag);
                    offsets.put(f, to);
                }
            }
            if (follow) {
                LockSupport.parkNanos(Duration.ofMillis(250).toNanos()); // polling the files, like tail -f
            }
        } while (follow);
        return Main.OK;
    }

    private List<Path> files(Path base) throws IOException {
        Path dir = version == null ? base : base.resolve(version.replaceAll("[^A-Za-z0-9._-]", "_"));
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.toString().endsWith(".log")).sorted(Comparator.comparing(p -> p.toFile().lastModified())).toList();
        }
    }

    private static void print(Path f, long from, long to, String tag) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "r")) {
            raf.seek(from);
            byte[] b = new byte[(int) Math.min(to - from, 16 << 20)];
            raf.readFully(b);
            new String(b, StandardCharsets.UTF_8).lines().forEach(l -> System.out.println(tag + " | " + l));
        }
    }
}
