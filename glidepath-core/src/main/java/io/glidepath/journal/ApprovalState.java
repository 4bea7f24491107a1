package io.glidepath.journal;

/** Where a release's approval stands (docs/policies.md). */
public enum ApprovalState {
    /** It waits for someone other than its submitter, with the deployer role, to approve it. */
    WAITING,
    /** Someone approved it: it goes on. */
    APPROVED,
    /** No one approved it in time: it ends CANCELLED, nothing deployed. */
    TIMED_OUT
}
