package io.glidepath.policy;

import io.glidepath.spec.Location;
import io.glidepath.spec.ReleaseSpec;
import java.time.Duration;
import java.util.List;

/**
 * Releases that wait for someone else's approval: those touching one of {@code services} ({@code *}:
 * any), and, with {@code migration}, only those that migrate a database. The release waits at most
 * {@code timeout}, then ends CANCELLED. A rule on the release's risk level is meant to join these
 * conditions once Glidepath scores risk (issue 16, part B).
 */
public record ApprovalRule(String name, List<String> services, boolean migration, Duration timeout, Location location) {

    public ApprovalRule {
        services = List.copyOf(services);
    }

    public boolean matches(ReleaseSpec spec) {
        boolean service = spec.services().stream().anyMatch(s -> Policy.matches(services, Policy.serviceName(s)));
        return service && (!migration || !spec.databases().isEmpty());
    }

    /** "payments-two-people (services payments, checkout; with a migration)". */
    public String describe() {
        return name + " (" + (services.contains("*") ? "any service" : "services " + String.join(", ", services))
                + (migration ? "; with a database migration" : "") + ")";
    }
}
