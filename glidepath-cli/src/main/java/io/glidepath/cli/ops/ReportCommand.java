package io.glidepath.cli.ops;

import io.glidepath.cli.Main;
import io.glidepath.cli.client.ServerClient;
import io.glidepath.cli.options.DataDirOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code glidepath report RELEASE}: the release's sign-off report (docs/report.md), as the server writes it:
 * Markdown to file with a change ticket, or JSON for a program; printed, or written whole to a file.
 */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"Prints a release's sign-off report: what was verified (readiness, smoke tests, verify checks, every verdict with its "
                + "numbers, migrations and their gate's report), the policy's approvals, overrides and evidence, who did what, the timing, "
                + "and the outcome (a rollback with its cause and how long the flip back took); a fleet's outcome per customer.",
                "A release still running gets a report marked in progress."})
public final class ReportCommand implements Callable<Integer> {
    /** What {@code --output} takes. */
    enum Format { MARKDOWN, JSON }

    @Parameters(index = "0", paramLabel = "RELEASE", description = "The release id (glidepath history lists them).")
    String id;

    @Option(names = "--output", defaultValue = "markdown", paramLabel = "FORMAT", description = "markdown (default) or json.")
    Format format;

    @Option(names = "--file", paramLabel = "PATH", description = "Writes the report to PATH instead of printing it: whole or not at all "
            + "(written beside it, then renamed over it).")
    Path file;

    @Mixin
    DataDirOption dataDir;

    @Override
    public Integer call() {
        if (file != null && !Files.isDirectory(file.toAbsolutePath().getParent())) {
            System.err.println("glidepath report: --file " + file + ": no such directory " + file.toAbsolutePath().getParent() + "; create it first");
            return Main.INVALID_INPUT;
        }
        String text;
        try {
            ServerClient c = ServerClient.of(dataDir.dir());
            text = format == Format.JSON ? c.report(id).toPrettyString() + "\n" : c.reportMarkdown(id);
        } catch (ServerClient.Unreachable e) {
            System.err.println("glidepath report: " + e.getMessage());
            return Main.UNREACHABLE;
        } catch (ServerClient.ApiError e) {
            System.err.println("glidepath report: " + e.getMessage());
            return Main.FAILED;
        }
        if (file == null) {
            System.out.print(text);
            return Main.OK;
        }
        try {
            writeWhole(file, text);
        } catch (IOException e) {
            System.err.println("glidepath report: cannot write " + file + ": " + e.getMessage() + "; nothing was written");
            return Main.FAILED;
        }
        System.out.println("wrote the report of release " + id + " to " + file);
        return Main.OK;
    }

    /** Writes {@code text} to a new file beside {@code target}, forces it to disk, then renames it over {@code target}. */
    static void writeWhole(Path target, String text) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining()) {
                    ch.write(bytes);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
