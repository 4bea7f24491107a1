package io.glidepath.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Runs one {@link EvidenceCheck} in the release file's folder and says, in a sentence, what it found.
 * A command runs as argv (never through a shell) with its output kept to its last {@value #OUTPUT_KEPT}
 * characters; one that outlives its timeout is killed with its descendants and fails.
 */
public final class Evidence {
    static final int OUTPUT_KEPT = 400;
    private static final ObjectMapper JSON = new ObjectMapper();

    private Evidence() {
    }

    /** Whether it passed, and a sentence with what was found. */
    public record Result(boolean passed, String detail) {
    }

    public static Result run(EvidenceCheck c, Path baseDir) {
        try {
            return switch (c.kind()) {
                case "checksum" -> checksum(c, baseDir);
                case "vulnerabilities" -> vulnerabilities(c, baseDir);
                default -> command(c, baseDir);
            };
        } catch (NoSuchFileException e) {
            return new Result(false, "no such file: " + e.getFile());
        } catch (IOException | UncheckedIOException e) {
            return new Result(false, "cannot read: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(false, "interrupted: the server is stopping");
        }
    }

    private static Result checksum(EvidenceCheck c, Path baseDir) throws IOException {
        Path file = baseDir.resolve(c.file()).normalize();
        String expected;
        if (c.sha256() != null) {
            expected = c.sha256();
        } else {
            Path sums = baseDir.resolve(c.sha256File() != null ? c.sha256File() : c.file() + ".sha256").normalize();
            String text = Files.readString(sums).strip();
            expected = text.isEmpty() ? "" : text.split("\\s+")[0];
            if (!expected.matches("[0-9a-fA-F]{64}")) {
                return new Result(false, sums + " does not start with a sha256 digest (64 hex digits, as sha256sum writes it)");
            }
        }
        String actual = sha256(file);
        if (actual.equalsIgnoreCase(expected)) {
            return new Result(true, "sha256 of " + file + " is " + actual + ", as expected");
        }
        return new Result(false, "sha256 of " + file + " is " + actual + ", expected " + expected.toLowerCase(Locale.ROOT)
                + ": the artifact is not the one that was built and checked");
    }

    static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), md)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** Trivy's JSON report ({@code trivy fs|image --format json}): {@code Results[].Vulnerabilities[]} with a {@code Severity} each. */
    private static Result vulnerabilities(EvidenceCheck c, Path baseDir) throws IOException {
        Path file = baseDir.resolve(c.file()).normalize();
        JsonNode report;
        try {
            report = JSON.readTree(Files.readString(file));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return new Result(false, file + " is not JSON (line " + e.getLocation().getLineNr() + "): expected Trivy's report, trivy ... --format json");
        }
        if (report == null || !report.isObject() || (!report.has("Results") && !report.has("SchemaVersion"))) {
            return new Result(false, file + " is not a Trivy JSON report (no Results): write it with trivy ... --format json --output " + file.getFileName());
        }
        List<String> above = new ArrayList<>();
        int total = 0;
        for (JsonNode result : report.path("Results")) {
            for (JsonNode v : result.path("Vulnerabilities")) {
                total++;
                Severity s = Severity.parse(v.path("Severity").asText("UNKNOWN")).orElse(Severity.UNKNOWN);
                if (s.compareTo(c.maxSeverity()) > 0) {
                    above.add(v.path("VulnerabilityID").asText("?") + " (" + s.name() + ", " + v.path("PkgName").asText("?") + " "
                            + v.path("InstalledVersion").asText("") + ")");
                }
            }
        }
        if (above.isEmpty()) {
            return new Result(true, total + " finding" + (total == 1 ? "" : "s") + " in " + file + ", none above " + c.maxSeverity().label());
        }
        return new Result(false, above.size() + " finding" + (above.size() == 1 ? "" : "s") + " above " + c.maxSeverity().label() + " in " + file + ": "
                + String.join(", ", above.subList(0, Math.min(5, above.size()))) + (above.size() > 5 ? " and " + (above.size() - 5) + " more" : ""));
    }

    private static Result command(EvidenceCheck c, Path baseDir) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(c.command()).directory(baseDir.toFile()).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(
                    new java.io.File("/dev/null"))).start();
        } catch (IOException e) {
            return new Result(false, "cannot run " + c.command().get(0) + ": " + e.getMessage());
        }
        Tail tail = new Tail();
        Thread reader = Thread.ofVirtual().start(() -> tail.read(p.getInputStream()));
        boolean ended = p.waitFor(c.timeoutMillis(), TimeUnit.MILLISECONDS);
        if (!ended) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
        reader.join(2000);
        String out = tail.text();
        String said = out.isBlank() ? "" : "; its output ends: " + out;
        String argv = String.join(" ", c.command());
        if (!ended) {
            return new Result(false, argv + " did not end within " + c.timeoutMillis() / 1000.0 + "s and was killed" + said);
        }
        return p.exitValue() == 0 ? new Result(true, argv + " exited 0" + said) : new Result(false, argv + " exited " + p.exitValue() + said);
    }

    /** The last characters of a process's output, whatever its length. */
    private static final class Tail {
        private volatile String text = "";

        void read(InputStream in) {
            byte[] buf = new byte[8192];
            byte[] keep = new byte[0];
            try (in) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    byte[] joined = new byte[Math.min(keep.length + n, 4 * OUTPUT_KEPT)];
                    int fromKeep = joined.length - Math.min(n, joined.length);
                    System.arraycopy(keep, keep.length - fromKeep, joined, 0, fromKeep);
                    System.arraycopy(buf, n - (joined.length - fromKeep), joined, fromKeep, joined.length - fromKeep);
                    keep = joined;
                }
            } catch (IOException e) {
                // the process was killed: what was read is what there is
            }
            String s = new String(keep, StandardCharsets.UTF_8).strip().replaceAll("\\s+", " ");
            text = s.length() > OUTPUT_KEPT ? "..." + s.substring(s.length() - OUTPUT_KEPT) : s;
        }

        String text() {
            return text;
        }
    }
}
