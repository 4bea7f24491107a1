package io.glidepath.router.metrics;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * Figures of one series over a window: responses by status class, the error rate (5xx share of
 * responses), connect failures, shielded responses, drain cuts and latency percentiles in milliseconds.
 */
public record WindowStats(Duration window, long requests, long status1xx, long status2xx, long status3xx,
                          long status4xx, long status5xx, long connectFailures, long shielded, long cut,
                          double errorRate, double p50Millis, double p90Millis, double p99Millis, double maxMillis,
                          Map<Double, Double> latencyAt) {

    public WindowStats {
        latencyAt = Map.copyOf(latencyAt);
    }

    static WindowStats of(Duration window, long[] c, Histogram h, double... percentiles) {
        long requests = c[MetricSeries.C1XX] + c[MetricSeries.C2XX] + c[MetricSeries.C3XX] + c[MetricSeries.C4XX] + c[MetricSeries.C5XX];
        double errorRate = requests == 0 ? 0 : (double) c[MetricSeries.C5XX] / requests;
        boolean empty = h.getTotalCount() == 0;
        Map<Double, Double> at = new TreeMap<>();
        for (double p : percentiles) {
            at.put(p, empty ? 0 : h.getValueAtPercentile(p) / 1_000.0);
        }
        return new WindowStats(window, requests, c[MetricSeries.C1XX], c[MetricSeries.C2XX], c[MetricSeries.C3XX],
                c[MetricSeries.C4XX], c[MetricSeries.C5XX], c[MetricSeries.CONNECT_FAILURES], c[MetricSeries.SHIELDED],
                c[MetricSeries.CUT], errorRate,
                empty ? 0 : h.getValueAtPercentile(50) / 1_000.0,
                empty ? 0 : h.getValueAtPercentile(90) / 1_000.0,
                empty ? 0 : h.getValueAtPercentile(99) / 1_000.0,
                empty ? 0 : h.getMaxValue() / 1_000.0, at);
    }
}
