package io.glidepath.policy;

import io.glidepath.risk.RiskLevel;
import io.glidepath.spec.Location;
import io.glidepath.spec.ReleaseSpec;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Releases that wait for someone else's approval: those touching one of {@code services} ({@code *}:
 * any), and, with {@code migration}, only those that migrate a database, and, with {@code risk}, only
 * those whose risk level (docs/risk.md) is that or higher. The release waits at most {@code timeout},
 * then ends CANCELLED.
 */
public record ApprovalRule(String name, List<String> services, boolean migration, Optional<RiskLevel> risk, Duration timeout, Location location) {

    public ApprovalRule {
        services = List.copyOf(services);
    }

    public ApprovalRule(String name, List<String> services, boolean migration, Duration timeout, Location location) {
        this(name, services, migration, Optional.empty(), timeout, location);
    }

    /**
     * Whether {@code spec} waits under this rule, at the risk level {@code level} the server scored for
     * it (empty: not scored, and then a rule on risk does not match).
     */
    public boolean matches(ReleaseSpec spec, Optional<RiskLevel> level) {
        boolean service = spec.services().stream().anyMatch(s -> Policy.matches(services, Policy.serviceName(s)));
        boolean risky = risk.isEmpty() || level.filter(l -> l.atLeast(risk.get())).isPresent();
        return service && (!migration || !spec.databases().isEmpty()) && risky;
    }

    /** "payments-two-people (services payments, checkout; with a migration; risk high)". */
    public String describe() {
        return name + " (" + (services.contains("*") ? "any service" : "services " + String.join(", ", services))
                + (migration ? "; with a database migration" : "") + risk.map(r -> "; risk " + r.label() + (r == RiskLevel.HIGH ? "" : " or higher"))
                .orElse("") + ")";
    }
}
