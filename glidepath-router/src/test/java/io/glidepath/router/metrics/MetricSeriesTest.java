package io.glidepath.router.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class MetricSeriesTest {
    /** Epoch millis, half way through a second. */
    final AtomicLong millis = new AtomicLong(1_000_000_500L);
    final MetricSeries series = new MetricSeries(millis::get);

    void advanceSeconds(long n) {
        millis.addAndGet(n * 1_000);
    }

    static Duration s(long n) {
        return Duration.ofSeconds(n);
    }

    @Test
    void aggregatesTheSecondsOfAWindow() {
        for (int i = 1; i <= 100; i++) {
            series.recordResponse(i % 10 == 0 ? 503 : 200, i * 1_000L);
        }
        advanceSeconds(2);
        series.recordResponse(404, 500_000);
        series.recordConnectFailure();
        series.recordShielded();
        WindowStats w = series.window(s(30), 99.9);
        assertThat(w.requests()).isEqualTo(101);
        assertThat(w.status2xx()).isEqualTo(90);
        assertThat(w.status5xx()).isEqualTo(10);
        assertThat(w.status4xx()).isEqualTo(1);
        assertThat(w.errorRate()).isEqualTo(10.0 / 101);
        assertThat(w.connectFailures()).isEqualTo(1);
        assertThat(w.shielded()).isEqualTo(1);
        assertThat(w.p50Millis()).isBetween(49.0, 52.0);
        assertThat(w.p99Millis()).isBetween(98.0, 101.0);
        assertThat(w.maxMillis()).isBetween(495.0, 505.0);
        assertThat(w.latencyAt()).containsOnlyKeys(99.9);
        assertThat(w.latencyAt().get(99.9)).isBetween(495.0, 505.0);
        assertThat(series.window(s(1)).requests()).as("the current second and the one before").isEqualTo(1);
    }

    @Test
    void forgetsSecondsThatLeftTheWindowAndReusesTheirBuckets() {
        series.recordResponse(500, 1_000);
        advanceSeconds(10);
        series.recordResponse(200, 1_000);
        assertThat(series.window(s(5)).requests()).isEqualTo(1);
        assertThat(series.window(s(10)).requests()).isEqualTo(2);
        advanceSeconds(MetricSeries.SECONDS);
        assertThat(series.window(s(MetricSeries.SECONDS)).requests()).isZero();
        series.recordResponse(200, 1_000);
        assertThat(series.window(s(MetricSeries.SECONDS)).requests()).isEqualTo(1);
        assertThat(series.totalResponses()).as("running totals never reset").isEqualTo(3);
        assertThat(series.total(MetricSeries.C5XX)).isEqualTo(1);
    }

    @Test
    void anEmptyWindowHasNoRateAndNoLatency() {
        WindowStats w = series.window(s(30), 99.9);
        assertThat(w.requests()).isZero();
        assertThat(w.errorRate()).isZero();
        assertThat(w.p99Millis()).isZero();
    }

    @Test
    void countsCorrectlyUnderConcurrentWriters() throws Exception {
        Thread[] writers = new Thread[4];
        for (int t = 0; t < writers.length; t++) {
            writers[t] = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 50_000; i++) {
                    series.recordResponse(200, 100);
                }
            });
        }
        for (Thread t : writers) {
            t.join();
        }
        assertThat(series.window(s(1)).requests()).isEqualTo(200_000);
    }

    @Test
    void theLatencyHistogramCountsEachResponseInTheFirstBucketThatHoldsIt() {
        series.recordResponse(200, 1_000);      // 1 ms: the first bucket holds its bound
        series.recordResponse(200, 1_001);      // just above 1 ms: the next one
        series.recordResponse(500, 250_000);    // 250 ms
        series.recordResponse(200, 30_000_000); // 30 s: above every bound
        long[] counts = series.latencyBucketCounts();
        assertThat(counts).hasSize(MetricSeries.LATENCY_BOUNDS_SECONDS.length + 1);
        assertThat(counts[0]).isEqualTo(1);
        assertThat(counts[1]).isEqualTo(1);
        assertThat(counts[java.util.Arrays.binarySearch(MetricSeries.LATENCY_BOUNDS_SECONDS, 0.25)]).isEqualTo(1);
        assertThat(counts[counts.length - 1]).isEqualTo(1);
        assertThat(java.util.Arrays.stream(counts).sum()).isEqualTo(series.totalResponses());
    }
}
