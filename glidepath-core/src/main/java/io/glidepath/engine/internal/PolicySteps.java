package io.glidepath.engine.internal;

import io.glidepath.engine.EngineSeams;
import io.glidepath.journal.ApprovalState;
import io.glidepath.journal.ReleaseEvent;
import io.glidepath.journal.ReleaseHistory;
import io.glidepath.journal.RollbackCause;
import io.glidepath.policy.Evidence;
import io.glidepath.policy.DeployWindow;
import io.glidepath.policy.EvidenceCheck;
import io.glidepath.policy.WindowGuard;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.store.ReleaseRecord;
import io.glidepath.store.Store;
import io.glidepath.time.Wakeup;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * What the server's policy asks of a release before anything of it starts (docs/policies.md), as its
 * journal says ({@link ReleaseEvent.PolicyApplied}, written at submission): the evidence checks, each
 * result journaled (a failure ends the release CANCELLED); then, when a rule asks for it, the wait for
 * someone else's approval until the deadline; then, for a release that waited (in the queue or for the
 * approval), the deploy windows once more, as the policy says now. Read from the journal, so a restarted
 * server skips the checks that passed and waits again with the same deadline.
 */
public final class PolicySteps {
    private final EngineSeams seams;
    private final Store store;
    private final ReleaseRecord record;
    private final ReleaseSpec spec;
    private final Path baseDir;
    private final WindowGuard windows;
    private final EventSink events;
    private final Wakeup decided = new Wakeup();
    private volatile boolean waiting;
    private volatile Instant deadline;
    private volatile String approvedBy;
    private volatile String approvedReason;
    private volatile String abortedBy;
    private volatile boolean detached;

    PolicySteps(EngineSeams seams, Store store, ReleaseRecord record, ReleaseSpec spec, Path baseDir, EventSink events, WindowGuard windows) {
        this.seams = seams;
        this.store = store;
        this.record = record;
        this.spec = spec;
        this.baseDir = baseDir;
        this.events = events;
        this.windows = windows;
    }

    /** How the steps ended: go on, end the release CANCELLED ({@code failure}), or leave it as it is for the next server ({@code detached}). */
    record Ending(Failed failure, boolean detached) {
        static final Ending GO_ON = new Ending(null, false);
    }

    Ending run() throws InterruptedException {
        ReleaseHistory h = ReleaseHistory.of(store.events(record.id(), 0));
        Optional<ReleaseEvent.PolicyApplied> policy = h.policy();
        if (h.anyBegun()) {
            return Ending.GO_ON; // a restarted server goes on with a release that began: its checks were done before
        }
        if (policy.isEmpty()) {
            return windowStillOpen(h.queued() ? "in the queue" : null);
        }
        for (EvidenceCheck c : policy.get().evidence()) {
            if (h.evidencePassed().contains(c.label())) {
                continue; // passed before the server restarted
            }
            if (abortedBy != null) {
                return new Ending(aborted("before its evidence checks ran"), false);
            }
            Evidence.Result r = Evidence.run(c, baseDir);
            String msg = "evidence " + c.label() + " " + (r.passed() ? "passed" : "failed") + ": " + r.detail();
            events.emit(new ReleaseEvent.EvidenceChecked(now(), c.service(), msg, c.label(), r.passed(), r.detail()));
            if (!r.passed()) {
                return new Ending(new Failed(RollbackCause.POLICY, "required evidence " + c.label() + " failed: " + r.detail()
                        + "; nothing was deployed"), false);
            }
        }
        String waited = h.queued() ? "in the queue" : null;
        if (!policy.get().approvalRules().isEmpty() && h.approval().filter(a -> a.state() == ApprovalState.APPROVED).isEmpty()) {
            Ending approval = awaitApproval(policy.get(), h.approval().isPresent());
            if (approval != Ending.GO_ON) {
                return approval;
            }
            waited = waited == null ? "for approval" : waited + " and for approval";
        } else if (h.approval().isPresent()) {
            waited = waited == null ? "for approval" : waited + " and for approval"; // approved before a restart
        }
        return policy.get().override() != null ? Ending.GO_ON : windowStillOpen(waited);
    }

    /**
     * A release that waited ({@code waited} says where; null: it did not) starts only if no deploy window
     * closed meanwhile, as the policy says now: the window was open when it was submitted, and nobody
     * should find a release starting in a freeze because a queue or an approval took long.
     */
    private Ending windowStillOpen(String waited) {
        if (waited == null) {
            return Ending.GO_ON;
        }
        Optional<DeployWindow.Closed> closed = windows.closedNow(spec, now());
        if (closed.isEmpty()) {
            return Ending.GO_ON;
        }
        String why = "it waited " + waited + " until a deploy window closed: " + closed.get().sentence() + "; nothing was deployed. Submit it "
                + "again once the window opens, or an admin overrides it: glidepath deploy --override-window --reason \"...\"";
        events.emit(new ReleaseEvent.Note(now(), null, why));
        return new Ending(new Failed(RollbackCause.POLICY, why), false);
    }

    private Ending awaitApproval(ReleaseEvent.PolicyApplied policy, boolean journaledBefore) throws InterruptedException {
        deadline = policy.approvalDeadline();
        String rules = String.join(", ", policy.approvalRules());
        if (!journaledBefore) {
            events.emit(new ReleaseEvent.ApprovalChanged(now(), null, "release " + record.id() + " waits for approval (policy " + rules
                    + "): someone other than " + record.submittedBy() + " with the deployer role runs glidepath approve " + record.id()
                    + "; it gives up at " + deadline, ApprovalState.WAITING, null, null, deadline));
        } else {
            events.emit(new ReleaseEvent.Note(now(), null, "still waiting for approval (policy " + rules + ") until " + deadline));
        }
        waiting = true;
        try {
            while (approvedBy == null && abortedBy == null && !detached && now().isBefore(deadline)) {
                seams.clock().sleep(Duration.between(now(), deadline), decided);
            }
        } finally {
            waiting = false;
        }
        if (approvedBy != null) {
            events.emit(new ReleaseEvent.ApprovalChanged(now(), null, "approved by " + approvedBy + (approvedReason == null ? "" : ": " + approvedReason),
                    ApprovalState.APPROVED, approvedBy, approvedReason, deadline));
            return Ending.GO_ON;
        }
        if (detached) {
            return new Ending(null, true); // the engine stops (its close aborts what runs, too): the next server waits again
        }
        if (abortedBy != null) {
            return new Ending(aborted("while it waited for approval"), false);
        }
        String why = "no one approved it within " + io.glidepath.spec.Durations.format(Duration.between(record.submitted(), deadline))
                + " (policy " + rules + "); nothing was deployed";
        events.emit(new ReleaseEvent.ApprovalChanged(now(), null, "approval timed out: " + why, ApprovalState.TIMED_OUT, null, null, deadline));
        return new Ending(new Failed(RollbackCause.POLICY, why), false);
    }

    private Failed aborted(String when) {
        return new Failed(RollbackCause.ABORTED, "aborted by " + abortedBy + " " + when + "; nothing was deployed");
    }

    /** The deadline while the release waits for approval; empty otherwise. */
    Optional<Instant> awaiting() {
        return waiting ? Optional.ofNullable(deadline) : Optional.empty();
    }

    /** Approves the release when it waits; false when it does not (not yet, or any more). */
    synchronized boolean approve(String by, String reason) {
        if (!waiting || approvedBy != null || abortedBy != null) {
            return false;
        }
        approvedReason = reason;
        approvedBy = by;
        decided.wake();
        return true;
    }

    void abort(String who) {
        abortedBy = who;
        decided.wake();
    }

    /** The engine stops: a release waiting for approval is left unfinished, for the next server to wait again. */
    boolean detachIfWaiting() {
        if (!waiting) {
            return false;
        }
        detached = true;
        decided.wake();
        return true;
    }

    private Instant now() {
        return seams.clock().now();
    }
}
