package io.glidepath.policy;

import java.util.List;

/**
 * One check a release must pass before anything of it starts, resolved for one of its services (file
 * names and arguments with {@code {{service}}}, {@code {{version}}} and {@code {{artifact}}} filled in,
 * relative to the release file's folder). Journaled as it is with the release, so that a restarted
 * server runs the same checks. Fields not used by its kind are null.
 *
 * @param kind       {@code checksum}, {@code vulnerabilities} or {@code command}
 * @param file       checksum: the artifact; vulnerabilities: the scanner's report (Trivy JSON)
 * @param sha256     checksum: the expected digest (lowercase hex), or null when {@code sha256File} gives it
 * @param sha256File checksum: a file holding it ({@code sha256sum}'s output: the digest first)
 * @param maxSeverity vulnerabilities: the highest severity allowed
 * @param command    command: argv (never a shell), run in the release file's folder
 * @param timeoutMillis command: how long it may run
 */
public record EvidenceCheck(String rule, String kind, String service, String file, String sha256, String sha256File, Severity maxSeverity,
                            List<String> command, long timeoutMillis) {

    public EvidenceCheck {
        command = command == null ? null : List.copyOf(command);
    }

    /** The name journals and plan show: "artifact-checksum for catalog". */
    public String label() {
        return rule + (service == null ? "" : " for " + service);
    }

    /** What it checks, in words. */
    public String describe() {
        return switch (kind) {
            case "checksum" -> "sha256 of " + file + " matches " + (sha256 != null ? sha256.substring(0, Math.min(12, sha256.length())) + "..." : sha256File != null ? sha256File : file + ".sha256");
            case "vulnerabilities" -> "no finding above " + maxSeverity.label() + " in " + file + " (Trivy JSON)";
            default -> "command " + String.join(" ", command) + " exits 0 within " + timeoutMillis / 1000.0 + "s";
        };
    }
}
