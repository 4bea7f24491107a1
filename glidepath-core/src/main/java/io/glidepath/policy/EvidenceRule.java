package io.glidepath.policy;

import io.glidepath.spec.Location;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.spec.ServiceSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Required evidence as the policy file writes it, before it is resolved for a release's services
 * ({@link #resolve}): file names and arguments may hold {@code {{service}}}, {@code {{version}}} and
 * {@code {{artifact}}} (the jar after {@code -jar} in the service's {@code run.command}, else its
 * program, relative to the release file's folder).
 */
public record EvidenceRule(String name, List<String> services, String kind, String file, String sha256, String sha256File, Severity maxSeverity,
                           List<String> command, Duration timeout, Location location) {

    public EvidenceRule {
        services = List.copyOf(services);
        command = command == null ? null : List.copyOf(command);
    }

    /**
     * The checks for the release's services this rule covers, one per service; a command whose
     * arguments come out the same for several services runs once.
     */
    public List<EvidenceCheck> resolve(ReleaseSpec spec) {
        List<EvidenceCheck> out = new ArrayList<>();
        Set<List<String>> commands = new LinkedHashSet<>();
        Set<String> seen = new LinkedHashSet<>();
        for (ServiceSpec s : spec.services()) {
            String service = Policy.serviceName(s);
            if (!Policy.matches(services, service) || !seen.add(service + " " + s.version())) {
                continue; // a fleet's customers share their service's artifact: checked once
            }
            switch (kind) {
                case "checksum" -> out.add(new EvidenceCheck(name, kind, service, fill(file, s), sha256, sha256File == null ? null : fill(sha256File, s),
                        null, null, 0));
                case "vulnerabilities" -> out.add(new EvidenceCheck(name, kind, service, fill(file, s), null, null, maxSeverity, null, 0));
                default -> {
                    List<String> argv = command.stream().map(a -> fill(a, s)).toList();
                    if (commands.add(argv)) {
                        boolean perService = command.stream().anyMatch(a -> a.contains("{{"));
                        out.add(new EvidenceCheck(name, kind, perService ? service : null, null, null, null, null, argv, timeout.toMillis()));
                    }
                }
            }
        }
        return out;
    }

    static String fill(String template, ServiceSpec s) {
        String t = template.replace("{{service}}", Policy.serviceName(s)).replace("{{version}}", s.version());
        return t.contains("{{artifact}}") ? t.replace("{{artifact}}", artifact(s)) : t;
    }

    /** The jar after {@code -jar}, else the program; joined to run.workdir, so relative to the release file's folder. */
    static String artifact(ServiceSpec s) {
        List<String> cmd = s.run().command();
        if (cmd.isEmpty()) {
            return "";
        }
        int jar = cmd.indexOf("-jar");
        String a = jar >= 0 && jar + 1 < cmd.size() ? cmd.get(jar + 1) : cmd.get(0);
        return s.run().workdir().map(w -> Path.of(w).resolve(a).toString()).orElse(a);
    }
}
