package io.glidepath.router.metrics;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * Figures of one series over a window: responses by status class, the error rate (5xx share of
 * responses), connect failures, shielded responses, drain cuts, clients whose first 5xx since the
 * canary began came in the window (a sticky split's tracks only; 0 elsewhere), latency percentiles in
 * milliseconds, and how many requests took longer than each asked duration. {@code latency} is the
 * window's own histogram (microseconds, 2 significant digits): what a reader of several router
 * replicas adds up, since percentiles cannot be averaged.
 */
public record WindowStats(Duration window, long requests, long status1xx, long status2xx, long status3xx,
                          long status4xx, long status5xx, long connectFailures, long shielded, long cut,
                          long firstClientErrors, double errorRate, double p50Millis, double p90Millis, double p99Millis, double maxMillis,
                          Map<Double, Double> latencyAt, Map<Duration, Long> slowerThan, Histogram latency) {

    public WindowStats {
        latencyAt = Map.copyOf(latencyAt);
        slowerThan = Map.copyOf(slowerThan);
    }

    static WindowStats of(Duration window, long[] c, Histogram h, double[] percentiles, Collection<Duration> slowerThan) {
        long requests = c[MetricSeries.C1XX] + c[MetricSeries.C2XX] + c[MetricSeries.C3XX] + c[MetricSeries.C4XX] + c[MetricSeries.C5XX];
        double errorRate = requests == 0 ? 0 : (double) c[MetricSeries.C5XX] / requests;
        boolean empty = h.getTotalCount() == 0;
        Map<Double, Double> at = new TreeMap<>();
        for (double p : percentiles) {
            at.put(p, empty ? 0 : h.getValueAtPercentile(p) / 1_000.0);
        }
        Map<Duration, Long> slower = new TreeMap<>();
        for (Duration limit : slowerThan) {
            slower.put(limit, slowerThan(h, limit));
        }
        return new WindowStats(window, requests, c[MetricSeries.C1XX], c[MetricSeries.C2XX], c[MetricSeries.C3XX],
                c[MetricSeries.C4XX], c[MetricSeries.C5XX], c[MetricSeries.CONNECT_FAILURES], c[MetricSeries.SHIELDED],
                c[MetricSeries.CUT], c[MetricSeries.FIRST_CLIENT_ERRORS], errorRate,
                empty ? 0 : h.getValueAtPercentile(50) / 1_000.0,
                empty ? 0 : h.getValueAtPercentile(90) / 1_000.0,
                empty ? 0 : h.getValueAtPercentile(99) / 1_000.0,
                empty ? 0 : h.getMaxValue() / 1_000.0, at, slower, h);
    }

    /**
     * Requests recorded in the histogram's value ranges that lie wholly above {@code limit}. The
     * histogram (2 significant digits, microseconds) cannot tell apart latencies within one range, at
     * most 1/128 of the value wide (1 us below 256 us): the range holding {@code limit} is left out, so
     * every request counted took longer than {@code limit}, and every one that took longer by more than
     * that width is counted.
     */
    /** The latency histogram in HdrHistogram's compressed encoding, base64: what the stats call answers with {@code histogram=true}. */
    public String encodedLatency() {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(latency.getNeededByteBufferCapacity());
        int n = latency.encodeIntoCompressedByteBuffer(b);
        return java.util.Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(b.array(), n));
    }

    static long slowerThan(Histogram h, Duration limit) {
        long micros = limit.toNanos() / 1_000;
        return h.getTotalCount() - h.getCountBetweenValues(0, micros);
    }
}
