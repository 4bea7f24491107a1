package io.glidepath.spec;

import java.time.Duration;

/**
 * When a new instance counts as ready: {@code healthyAfter} passing GETs of {@code path} in a row,
 * one every {@code interval}, each within {@code timeout}, all within {@code deadline} of its start.
 */
public record Readiness(String path, Duration interval, Duration timeout, int healthyAfter, Duration deadline) {
}
