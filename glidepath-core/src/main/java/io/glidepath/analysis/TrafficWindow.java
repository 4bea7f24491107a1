package io.glidepath.analysis;

import java.time.Duration;

/** Stable and canary side by side over the same window. */
public record TrafficWindow(Duration window, TrackFigures stable, TrackFigures canary) {
}
