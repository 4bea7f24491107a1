package io.glidepath.policy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.glidepath.spec.SpecError;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What a policy says of one release at one moment ({@link Policy#assess}): the deploy windows that
 * cover it and the one closed now, the approval rules it matches (it waits at most
 * {@code approvalTimeout}, the shortest of theirs), the evidence checks it must pass and what the
 * platform limits forbid.
 */
public record Assessment(String policySource, Instant at, List<DeployWindow> windows, Optional<DeployWindow.Closed> closed,
                         List<ApprovalRule> approvals, Duration approvalTimeout, List<EvidenceCheck> evidence, List<SpecError> forbidden) {

    public Assessment {
        windows = List.copyOf(windows);
        approvals = List.copyOf(approvals);
        evidence = List.copyOf(evidence);
        forbidden = List.copyOf(forbidden);
    }

    public boolean needsApproval() {
        return !approvals.isEmpty();
    }

    /** What the engine carries out for the release; {@code override} says who opened a closed window and why (null when none was). */
    public PolicyTerms terms(String override) {
        return new PolicyTerms(approvals.stream().map(ApprovalRule::name).toList(), approvalTimeout, evidence, Optional.ofNullable(override));
    }

    /** The form the API answers and {@code glidepath plan --output json} prints. */
    public ObjectNode json() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode n = f.objectNode();
        n.put("policy", policySource.isEmpty() ? null : policySource);
        n.put("at", at.toString());
        ArrayNode w = n.putArray("windows");
        for (DeployWindow d : windows) {
            ObjectNode o = w.addObject().put("name", d.name()).put("span", d.span());
            Optional<DeployWindow.Closed> c = d.closedAt(at);
            o.put("open", c.isEmpty());
            if (c.isPresent()) {
                o.put("opens", c.get().opens().toString());
            } else {
                o.put("closes", d.nextClosing(at).toString());
            }
        }
        closed.ifPresent(c -> n.putObject("closed").put("window", c.window().name()).put("opens", c.opens().toString()).put("message", c.sentence()));
        ArrayNode a = n.putArray("approvals");
        approvals.forEach(r -> {
            ObjectNode o = a.addObject().put("rule", r.name()).put("describe", r.describe()).put("timeoutSeconds", r.timeout().toSeconds());
            r.risk().ifPresent(l -> o.put("risk", l.label()));
        });
        if (!approvals.isEmpty()) {
            n.put("approvalTimeoutSeconds", approvalTimeout.toSeconds());
        }
        ArrayNode e = n.putArray("evidence");
        evidence.forEach(c -> e.addObject().put("check", c.label()).put("kind", c.kind()).put("describe", c.describe()));
        ArrayNode x = n.putArray("forbidden");
        forbidden.forEach(s -> x.add(s.toString()));
        return n;
    }
}
