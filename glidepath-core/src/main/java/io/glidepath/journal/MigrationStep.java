package io.glidepath.journal;

/**
 * Where a release's database migrations stand, as journaled ({@link ReleaseEvent.MigrationChanged}):
 * the gate's verdict, each phase begun, each migration file starting, applied or retried, a phase
 * done or failed, the previous versions proven on the expanded schema, and a contract pending,
 * waiting for the previous versions' sessions to go, or skipped (never for a rolled-back release).
 */
public enum MigrationStep {
    GATE_PASSED, GATE_REFUSED, STARTED, APPLYING, APPLIED, RETRYING, DONE, FAILED, PREVIOUS_PROVEN, CONTRACT_PENDING, CONTRACT_WAITING, SKIPPED
}
