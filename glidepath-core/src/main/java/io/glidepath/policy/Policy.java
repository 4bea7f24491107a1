package io.glidepath.policy;

import io.glidepath.risk.RiskLevel;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.spec.ServiceSpec;
import io.glidepath.spec.SpecError;
import io.glidepath.spec.SpecNode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A server's policy (docs/policies.md): deploy windows, approval rules, required evidence and what
 * releases may run on the local platform. Read by {@link PolicyReader}; {@link #assess} says what
 * applies to a release, which the server enforces, the engine carries out and {@code glidepath plan} shows.
 *
 * @param source where it was read from ("" for no policy)
 */
public record Policy(String source, List<DeployWindow> windows, List<ApprovalRule> approvals, List<EvidenceRule> evidence,
                     Optional<PlatformLimits> platform, Optional<ZoneId> zone) {

    public Policy {
        windows = List.copyOf(windows);
        approvals = List.copyOf(approvals);
        evidence = List.copyOf(evidence);
    }

    public Policy(String source, List<DeployWindow> windows, List<ApprovalRule> approvals, List<EvidenceRule> evidence,
                  Optional<PlatformLimits> platform) {
        this(source, windows, approvals, evidence, platform, Optional.empty());
    }

    /** No policy: every release goes, at any time, with no approval or evidence. */
    public static Policy none() {
        return new Policy("", List.of(), List.of(), List.of(), Optional.empty());
    }

    /**
     * The team's time zone, in which the risk score reads a release's hour and day: {@code risk.zone}, else
     * the zone of the deploy windows when they all name the same one, else UTC.
     */
    public ZoneId teamZone() {
        if (zone.isPresent()) {
            return zone.get();
        }
        List<ZoneId> zones = windows.stream().map(DeployWindow::zone).distinct().toList();
        return zones.size() == 1 ? zones.get(0) : ZoneOffset.UTC;
    }

    public boolean isEmpty() {
        return windows.isEmpty() && approvals.isEmpty() && evidence.isEmpty() && platform.isEmpty();
    }

    /**
     * What applies to {@code spec} at {@code now}: the windows covering its services (the one closed
     * now, if any), the approval rules it matches, the evidence checks it must pass, and what of it
     * the platform limits forbid (located in {@code file}, the release file's tree, when given).
     */
    public Assessment assess(ReleaseSpec spec, Path baseDir, Optional<SpecNode> file, Instant now) {
        return assess(spec, baseDir, file, now, Optional.empty());
    }

    /** As above, with the release's risk level as the server scored it (approval rules on risk match against it). */
    public Assessment assess(ReleaseSpec spec, Path baseDir, Optional<SpecNode> file, Instant now, Optional<RiskLevel> risk) {
        List<DeployWindow> covering = covering(spec);
        Optional<DeployWindow.Closed> closed = closedFor(spec, now);
        List<ApprovalRule> rules = approvals.stream().filter(r -> r.matches(spec, risk)).toList();
        Duration timeout = rules.stream().map(ApprovalRule::timeout).min(Duration::compareTo).orElse(Duration.ZERO);
        List<EvidenceCheck> checks = new ArrayList<>();
        evidence.forEach(e -> checks.addAll(e.resolve(spec)));
        List<SpecError> forbidden = platform.map(p -> p.problems(spec, baseDir, file)).orElse(List.of());
        return new Assessment(source, now, covering, closed, rules, timeout, checks, forbidden);
    }

    /** The window closed at {@code now} for one of the release's services, the one that keeps it closed longest; empty when none is. */
    public Optional<DeployWindow.Closed> closedFor(ReleaseSpec spec, Instant now) {
        return covering(spec).stream().map(w -> w.closedAt(now)).flatMap(Optional::stream).max((a, b) -> a.opens().compareTo(b.opens()));
    }

    private List<DeployWindow> covering(ReleaseSpec spec) {
        return windows.stream().filter(w -> spec.services().stream().anyMatch(s -> w.covers(serviceName(s)))).toList();
    }

    /** The service a deployment belongs to: a fleet's customer counts as its fleet's service. */
    static String serviceName(ServiceSpec s) {
        return s.fleetMember().map(m -> m.service()).orElse(s.name());
    }

    static boolean matches(List<String> services, String service) {
        return services.contains("*") || services.contains(service);
    }
}
