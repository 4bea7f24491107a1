package io.glidepath.router.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
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
    void aLatencyFallsInTheFirstPrometheusBucketWhoseBoundHoldsItAndAboveTheLastInTheInfiniteOne() {
        double[] bounds = MetricSeries.LATENCY_BOUNDS_SECONDS;
        for (int i = 0; i < bounds.length; i++) {
            long micros = Math.round(bounds[i] * 1e6);
            assertThat(MetricSeries.latencyBucket(micros)).as("on bound %s s", bounds[i]).isEqualTo(i);
            assertThat(MetricSeries.latencyBucket(micros + 1)).as("just above %s s", bounds[i]).isEqualTo(i + 1);
        }
        assertThat(MetricSeries.latencyBucket(0)).isZero();
        assertThat(MetricSeries.latencyBucket(Long.MAX_VALUE)).isEqualTo(bounds.length);
    }

    @Test
    void finishedSecondsAreSealedIntoPackedHistogramsThatAnswerAsTheFlatOnesDid() {
        java.util.Random random = new java.util.Random(3);
        for (int second = 0; second < 5; second++) {
            for (int i = 0; i < 400; i++) {
                series.recordResponse(200, 200 + random.nextInt(300_000));
            }
            advanceSeconds(1);
        }
        double[] percentiles = {50, 99, 99.9};
        List<Duration> limits = List.of(Duration.ofMillis(1), Duration.ofMillis(100), Duration.ofMillis(250));
        WindowStats flat = series.seconds(series.currentSecond() - 5, series.currentSecond(), percentiles, limits);
        assertThat(flat.requests()).isEqualTo(2_000);

        assertThat(series.flatHistograms()).as("the seconds a reader may still be recording into stay flat").isLessThanOrEqualTo(2);
        advanceSeconds(2);
        series.recordResponse(200, 1_000); // a new second opens: the last ones with events are sealed
        assertThat(series.flatHistograms()).as("only the running second's").isEqualTo(1);
        WindowStats sealed = series.seconds(series.currentSecond() - 7, series.currentSecond() - 2, percentiles, limits);
        assertThat(sealed.requests()).isEqualTo(2_000);
        assertThat(sealed.latencyAt()).isEqualTo(flat.latencyAt());
        assertThat(sealed.slowerThan()).isEqualTo(flat.slowerThan());
        assertThat(sealed.slowerThan().get(Duration.ofMillis(250))).isPositive();
    }

    @Test
    void aSeriesHoldsBucketsOnlyWhileItsSecondsAreKeptAndItsFiguresSurviveTheRelease() {
        assertThat(series.holdsBuckets()).as("no event yet: no ring of buckets").isFalse();
        assertThat(series.window(s(60)).requests()).isZero();
        assertThat(series.totalResponses()).isZero();
        assertThat(series.latencyBucketCounts()).containsOnly(0L);
        assertThat(series.releaseIdle()).isTrue();

        series.recordResponse(200, 2_000);
        series.recordResponse(503, 9_000);
        assertThat(series.holdsBuckets()).isTrue();
        advanceSeconds(MetricSeries.SECONDS - 1);
        assertThat(series.releaseIdle()).as("its second is still kept").isFalse();
        assertThat(series.window(s(MetricSeries.SECONDS)).requests()).isEqualTo(2);

        advanceSeconds(1);
        assertThat(series.window(s(MetricSeries.SECONDS)).requests()).as("out of the kept window").isZero();
        assertThat(series.releaseIdle()).isTrue();
        assertThat(series.holdsBuckets()).isFalse();
        assertThat(series.totalResponses()).as("the totals Prometheus reads stay").isEqualTo(2);
        assertThat(series.total(MetricSeries.C5XX)).isEqualTo(1);

        series.recordResponse(200, 1_000);
        assertThat(series.holdsBuckets()).isTrue();
        WindowStats w = series.window(s(10));
        assertThat(w.requests()).as("a released series records again from nothing").isEqualTo(1);
        assertThat(series.totalResponses()).isEqualTo(3);
    }

    @Test
    void readersGoingOnFromWhereTheLastReadEndedCountEveryRequestOnceWhereTrailingWindowsCountSomeTwice() {
        // a judge reads every second, 0.5 s into the second: a trailing one-second window holds the
        // second before and the running half, so the half it saw comes again in the next read
        long trailing = 0;
        long resumed = 0;
        long cursor = series.currentSecond();
        for (int t = 0; t < 10; t++) {
            for (int i = 0; i < 10; i++) {
                series.recordResponse(i == 0 ? 500 : 200, 1_000);
            }
            trailing += series.window(s(1)).requests();
            long now = series.currentSecond();
            WindowStats w = series.seconds(cursor, now, new double[0], List.of());
            assertThat(w.window()).isEqualTo(s(now - cursor));
            resumed += w.requests();
            cursor = now;
            advanceSeconds(1);
        }
        resumed += series.seconds(cursor, series.currentSecond(), new double[0], List.of()).requests();
        assertThat(resumed).as("whole seconds from the cursor: every request once").isEqualTo(100);
        assertThat(trailing).as("trailing windows: the running second's requests twice").isEqualTo(190);
        assertThat(series.seconds(series.currentSecond(), series.currentSecond(), new double[0], List.of()).requests())
                .as("no whole second yet").isZero();
        assertThat(series.seconds(0, series.currentSecond(), new double[0], List.of()).requests())
                .as("from long ago: the seconds kept").isEqualTo(100);
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
    void countsClientsFirstErrorsInTheirSecondApartFromTheResponses() {
        series.recordResponse(500, 1_000);
        series.recordFirstClientError();
        series.recordResponse(500, 1_000); // the same client again: its response counts, not the client
        advanceSeconds(3);
        series.recordResponse(502, 1_000);
        series.recordFirstClientError();
        WindowStats w = series.window(s(30));
        assertThat(w.status5xx()).isEqualTo(3);
        assertThat(w.requests()).as("a client's first error is not another request").isEqualTo(3);
        assertThat(w.firstClientErrors()).isEqualTo(2);
        assertThat(series.window(s(1)).firstClientErrors()).as("the last second only").isEqualTo(1);
        assertThat(series.total(MetricSeries.FIRST_CLIENT_ERRORS)).isEqualTo(2);
        advanceSeconds(MetricSeries.SECONDS);
        assertThat(series.window(s(MetricSeries.SECONDS)).firstClientErrors()).isZero();
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
    void countsTheRequestsSlowerThanEachLimitAndNoneAtOrUnderIt() {
        record(100, 240_000);
        record(10, 250_000);   // exactly the limit: not slower
        record(4, 250_500);    // in the limit's own value range (250 ms + under 1/128): never counted
        record(7, 252_000);    // more than 1/128 above the limit: always counted
        record(3, 2_000_000);
        record(2, 90_000_000); // clamped to 60 s, still slower than any limit below it
        WindowStats w = series.window(s(30), new double[0], List.of(ms(250), ms(1_000), Duration.ofSeconds(59), ms(1)));
        assertThat(w.slowerThan()).containsExactlyInAnyOrderEntriesOf(Map.of(
                ms(250), 12L, ms(1_000), 5L, Duration.ofSeconds(59), 2L, ms(1), 126L));
        assertThat(series.window(s(30)).slowerThan()).as("none asked, none counted").isEmpty();
    }

    @Test
    void aSubMillisecondLimitIsCountedToTheMicrosecond() {
        record(5, 790);
        record(6, 800);
        record(3, 810); // at 800 us the histogram's ranges are 4 us wide
        assertThat(series.window(s(30), new double[0], List.of(Duration.ofNanos(800_000))).slowerThan())
                .containsExactly(Map.entry(Duration.ofNanos(800_000), 3L));
    }

    @Test
    void slowCountsFollowTheWindowLikeEveryOtherFigure() {
        record(4, 500_000);
        advanceSeconds(10);
        record(1, 500_000);
        assertThat(series.window(s(5), new double[0], List.of(ms(250))).slowerThan()).containsEntry(ms(250), 1L);
        assertThat(series.window(s(30), new double[0], List.of(ms(250))).slowerThan()).containsEntry(ms(250), 5L);
    }

    @Test
    void theLimitsParameterIsCheckedAndNamesTheBadItem() {
        assertThat(SlowerThan.parse("250ms, 1s,0.25s")).containsExactly(ms(250), ms(1_000));
        assertThat(SlowerThan.parse(null)).isEmpty();
        assertThat(SlowerThan.parse(" ")).isEmpty();
        assertThat(SlowerThan.parse("0.8ms")).containsExactly(Duration.ofNanos(800_000));
        assertThatThrownBy(() -> SlowerThan.parse("250ms,soon")).hasMessageStartingWith("query parameter slowerThan=250ms,soon: item 2 'soon' is not a duration")
                .hasMessageContaining("such as slowerThan=250ms,1s");
        assertThatThrownBy(() -> SlowerThan.parse("0ms")).hasMessageContaining("item 1 '0ms' is not above 0 and below 1m");
        assertThatThrownBy(() -> SlowerThan.parse("1s,60s")).hasMessageContaining("item 2 '60s' is not above 0 and below 1m");
        assertThatThrownBy(() -> SlowerThan.parse("250ms,")).hasMessageContaining("item 2 '' is not a duration");
        assertThatThrownBy(() -> SlowerThan.parse("0.0005ms")).hasMessageContaining("finer than a microsecond");
        assertThatThrownBy(() -> SlowerThan.parse("1ms,2ms,3ms,4ms,5ms,6ms,7ms,8ms,9ms")).hasMessageContaining("lists 9 durations; ask for at most 8");
    }

    @Test
    void aLimitsKeyIsTheProjectsDurationTextAndReadsBackAsTheSameLimit() {
        assertThat(SlowerThan.key(ms(250))).isEqualTo("250ms");
        assertThat(SlowerThan.key(ms(1_000))).isEqualTo("1s");
        assertThat(SlowerThan.key(ms(1_500))).isEqualTo("1500ms");
        assertThat(SlowerThan.key(Duration.ofNanos(12_345_000))).isEqualTo("12.345ms");
        assertThat(SlowerThan.key(Duration.ofNanos(12_344_999))).as("rounded to the microsecond").isEqualTo("12.345ms");
        assertThat(SlowerThan.key(Duration.ofNanos(800_000))).isEqualTo("0.8ms");
        for (Duration d : List.of(ms(250), ms(1_500), Duration.ofNanos(12_345_000), Duration.ofNanos(800_000), Duration.ofNanos(59_999_999_000L))) {
            assertThat(SlowerThan.parse(SlowerThan.key(d))).containsExactly(d);
        }
    }

    private void record(int n, long latencyMicros) {
        for (int i = 0; i < n; i++) {
            series.recordResponse(200, latencyMicros);
        }
    }

    static Duration ms(long n) {
        return Duration.ofMillis(n);
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
