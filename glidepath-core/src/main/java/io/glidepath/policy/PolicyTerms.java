package io.glidepath.policy;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What the engine carries out for one release, fixed when it is submitted (a policy reloaded later
 * does not change it): the approval rules it waits on and for how long, its evidence checks, and the
 * override of a closed deploy window when one was given (who and why, in words).
 */
public record PolicyTerms(List<String> approvalRules, Duration approvalTimeout, List<EvidenceCheck> evidence, Optional<String> override) {

    public PolicyTerms {
        approvalRules = List.copyOf(approvalRules);
        evidence = List.copyOf(evidence);
    }

    public static PolicyTerms none() {
        return new PolicyTerms(List.of(), Duration.ZERO, List.of(), Optional.empty());
    }

    public boolean isEmpty() {
        return approvalRules.isEmpty() && evidence.isEmpty() && override.isEmpty();
    }
}
