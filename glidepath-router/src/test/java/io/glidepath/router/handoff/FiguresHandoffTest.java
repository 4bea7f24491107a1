package io.glidepath.router.handoff;

import static org.assertj.core.api.Assertions.assertThat;

import io.glidepath.route.EndpointAddress;
import io.glidepath.route.Track;
import io.glidepath.router.metrics.ClientReveals;
import io.glidepath.router.metrics.MetricSeries;
import io.glidepath.router.metrics.WindowStats;
import io.glidepath.router.route.RouteRuntime;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The figures a stopping router hands to the one that takes over: every series of every route, the
 * clients' first-error ledger and the reveals, added to the successor's, and nothing from a file
 * that is stale or unreadable.
 */
class FiguresHandoffTest {
    @TempDir
    Path state;

    @Test
    void aSeriesWrittenAndAbsorbedAnswersEveryWindowAsTheOriginalAndAddsToWhatIsThere() throws Exception {
        AtomicLong clock = new AtomicLong(1_700_000_000_000L);
        MetricSeries before = new MetricSeries(clock::get);
        for (int second = 0; second < 10; second++) {
            for (int i = 0; i < 100; i++) {
                before.recordResponse(i % 20 == 0 ? 503 : 200, 1_000 + 100L * i + second);
            }
            before.recordConnectFailure();
            clock.addAndGet(1_000);
        }
        before.recordResponse(200, 90_000); // the running second, with a flat histogram
        MetricSeries after = new MetricSeries(clock::get);
        after.recordResponse(200, 5_000); // the successor's own first request, in the same second
        after.absorb(written(before));

        double[] pcts = {50, 99};
        for (Duration w : List.of(Duration.ofSeconds(1), Duration.ofSeconds(3), Duration.ofSeconds(60))) {
            WindowStats a = before.window(w, pcts);
            WindowStats b = after.window(w, pcts);
            assertThat(b.requests()).as("%s", w).isEqualTo(a.requests() + 1);
            assertThat(b.status5xx()).isEqualTo(a.status5xx());
            assertThat(b.connectFailures()).isEqualTo(a.connectFailures());
            assertThat(b.latency().getTotalCount()).isEqualTo(a.latency().getTotalCount() + 1);
        }
        WindowStats whole = after.window(Duration.ofSeconds(60), pcts);
        assertThat(whole.requests()).isEqualTo(1_002);
        assertThat(whole.status5xx()).isEqualTo(50);
        assertThat(whole.maxMillis()).isBetween(89.0, 91.0);
        assertThat(after.totalResponses()).isEqualTo(1_002);
        assertThat(after.total(4)).as("5xx in the totals Prometheus reads").isEqualTo(50);
        assertThat(after.latencyBucketCounts()).hasSize(before.latencyBucketCounts().length);

        // seconds sealed since, and the absorbed ones too, still answer a reader's whole seconds once
        clock.addAndGet(5_000);
        after.recordResponse(200, 1_000);
        long now = after.currentSecond();
        assertThat(after.seconds(now - 20, now, pcts, List.of()).requests()).isEqualTo(1_002);

        // a predecessor's seconds beyond the kept window are left out
        MetricSeries late = new MetricSeries(() -> clock.get() + (MetricSeries.SECONDS + 5) * 1_000L);
        late.absorb(written(before));
        assertThat(late.window(Duration.ofSeconds(MetricSeries.SECONDS), pcts).requests()).isZero();
        assertThat(late.totalResponses()).as("the totals are totals").isEqualTo(1_001);
    }

    @Test
    void aRouteHandedOverKeepsItsTracksEndpointsLedgerAndRevealsAndAStaleOrForeignFileIsNotTaken() throws Exception {
        RouteRuntime before = new RouteRuntime("web");
        EndpointAddress a = new EndpointAddress("127.0.0.1", 8080);
        for (int i = 0; i < 40; i++) {
            before.metrics(Track.STABLE).recordResponse(200, 2_000);
            before.metrics(Track.CANARY).recordResponse(i < 4 ? 500 : 200, 3_000);
            before.endpoint(a).metrics().recordResponse(200, 2_000);
            before.clientReveals().record(7, true, 5_000, i < 12); // revealed at its 10th error: 10 expected at the rate so far
        }
        before.shadow().recordResponse(502, 10_000);
        before.overridden(Track.CANARY).recordResponse(200, 1_000);
        assertThat(before.clientErrors().firstError(7)).isTrue();
        RouteRuntime gone = new RouteRuntime("deleted-meanwhile");
        gone.metrics(Track.STABLE).recordResponse(200, 1_000);

        FiguresHandoff.write(state, List.of(before, gone), System.currentTimeMillis());
        RouteRuntime after = new RouteRuntime("web");
        after.endpoint(a);
        assertThat(FiguresHandoff.absorb(state, List.of(after), System.currentTimeMillis())).isEqualTo(1);
        assertThat(state.resolve(FiguresHandoff.FILE)).as("taken once").doesNotExist();

        Duration w = Duration.ofSeconds(30);
        assertThat(after.metrics(Track.STABLE).window(w).requests()).isEqualTo(40);
        assertThat(after.metrics(Track.CANARY).window(w).status5xx()).isEqualTo(4);
        assertThat(after.endpoint(a).metrics().window(w).requests()).isEqualTo(40);
        assertThat(after.shadow().window(w).status5xx()).isEqualTo(1);
        assertThat(after.overridden(Track.CANARY).window(w).requests()).isEqualTo(1);
        assertThat(after.clientErrors().firstError(7)).as("client 7 had its first error before the restart").isFalse();
        ClientReveals reveals = after.clientReveals();
        assertThat(reveals.tracked()).isEqualTo(1);
        long now = reveals.currentSecond();
        List<io.glidepath.analysis.ClientOutcome> revealed = before.clientReveals().seconds(now - 10, now + 1);
        assertThat(revealed).as("client 7 revealed at the first level (10 expected errors)").hasSize(1);
        assertThat(reveals.seconds(now - 10, now + 1)).as("its reveal, still there for the judge to read").isEqualTo(revealed);
        after.clientReveals().record(7, true, 5_000, false);
        assertThat(reveals.seconds(now - 10, now + 1)).as("not revealed again at a level it was revealed at").hasSize(1);

        // a file from long ago, and one that is not a figures file, are left alone and deleted
        FiguresHandoff.write(state, List.of(before), System.currentTimeMillis() - FiguresHandoff.FRESH.toMillis() - 1_000);
        RouteRuntime fresh = new RouteRuntime("web");
        assertThat(FiguresHandoff.absorb(state, List.of(fresh), System.currentTimeMillis())).isZero();
        assertThat(fresh.metrics(Track.STABLE).window(w).requests()).isZero();
        assertThat(state.resolve(FiguresHandoff.FILE)).doesNotExist();
        Files.writeString(state.resolve(FiguresHandoff.FILE), "{\"routes\": []}");
        assertThat(FiguresHandoff.absorb(state, List.of(fresh), System.currentTimeMillis())).isZero();
        assertThat(FiguresHandoff.absorb(state, List.of(fresh), System.currentTimeMillis())).as("no file").isZero();
    }

    private static DataInputStream written(MetricSeries s) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        s.writeTo(new DataOutputStream(bytes));
        return new DataInputStream(new ByteArrayInputStream(bytes.toByteArray()));
    }
}
