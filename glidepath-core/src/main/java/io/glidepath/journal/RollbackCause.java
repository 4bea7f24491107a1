package io.glidepath.journal;

/**
 * Why a service or a release rolls back, for programs (webhooks, metrics, recovery); the reason
 * beside it stays a sentence for people. Journals written before causes existed have none.
 */
public enum RollbackCause {
    /** A new instance was not ready by its deadline. */
    READINESS,
    /** A smoke test failed, on an instance or through the router's preview. */
    SMOKE_TEST,
    /** The analysis failed {@code failAfter} intervals in a row. */
    ANALYSIS,
    /** A new instance died. */
    INSTANCE_DIED,
    /** The platform could not start the new version. */
    PLATFORM,
    /** The router refused or could not make a route change. */
    ROUTER,
    /**
     * A database migration stopped the release: an expand migration failed, or a previous version failed its
     * own smoke checks on the expanded schema (before the new version took any traffic).
     */
    MIGRATION,
    /** A release-level verify check failed after a wave. */
    VERIFY_CHECK,
    /** Someone aborted the release, or the server was stopping. */
    ABORTED,
    /** The release rolls back because of another of its services, or a verify check: this service did not fail. */
    RELEASE,
    /**
     * The server's policy ended the release before anything started: a required evidence check failed, or
     * no one approved it in time (it ends CANCELLED, nothing deployed).
     */
    POLICY,
    /** A restarted server could not go on with the release. */
    SERVER_RESTARTED,
    /** A bug: an unexpected error in the engine. */
    INTERNAL;

    /** True when the rollback was asked of the service from outside (an abort, its release rolling back), not caused by it. */
    public boolean askedFromOutside() {
        return this == ABORTED || this == RELEASE;
    }
}
