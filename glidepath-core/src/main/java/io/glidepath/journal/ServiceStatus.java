package io.glidepath.journal;

/** A service's place in a release: its wave (from 1) and its phase (PENDING while its wave waits). */
public record ServiceStatus(int wave, Phase phase) {
}
