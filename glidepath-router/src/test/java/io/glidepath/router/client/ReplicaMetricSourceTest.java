package io.glidepath.router.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.glidepath.analysis.MetricQuery;
import io.glidepath.analysis.MetricTarget;
import io.glidepath.analysis.MetricsUnavailableException;
import io.glidepath.analysis.TrafficWindow;
import io.glidepath.router.testkit.Http;
import io.glidepath.router.testkit.RouterHarness;
import io.glidepath.router.testkit.SampleProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two router replicas serving one route, each to its own users: the judge reads their sum. Counts add
 * up, and the percentiles come from their histograms added up: replica A answers 90 fast requests,
 * replica B 10 slow ones, so the p95 of all 100 is slow, while the mean of the two replicas' p95s
 * would be about half of it.
 */
class ReplicaMetricSourceTest {
    static final MetricTarget WEB = MetricTarget.of("web");

    @TempDir
    Path dir;
    SampleProcess fast;
    SampleProcess slow;
    RouterHarness a;
    RouterHarness b;

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {a, b, fast, slow}) {
            if (c != null) {
                c.close();
            }
        }
    }

    @Test
    void theSumOfTheReplicasFiguresCountsEveryRequestOnceAndReadsPercentilesFromTheirHistogramsAddedUp() throws Exception {
        fast = SampleProcess.start("v1");
        slow = SampleProcess.start("v1", Map.of("LATENCY", "200ms"));
        a = RouterHarness.start(dir.resolve("a"));
        b = RouterHarness.start(dir.resolve("b"));
        a.route("web", List.of(fast.address()));
        b.route("web", List.of(slow.address()));
        ReplicaMetricSource source = ReplicaMetricSource.of(() -> List.of(a.admin(), b.admin()));
        MetricQuery query = new MetricQuery(Duration.ofSeconds(30), Set.of(95.0), Set.of(Duration.ofMillis(100)));
        source.window(WEB, query); // where each replica's reads go on from: the second after the one running
        long primed = java.time.Instant.now().getEpochSecond();
        await().atMost(Duration.ofSeconds(2)).until(() -> java.time.Instant.now().getEpochSecond() > primed);

        // a fast request the client waited over 100 ms for (a loaded machine) may count as slow too; none other may
        long fastButLate = 0;
        for (int i = 0; i < 90; i++) {
            long t0 = System.nanoTime();
            assertThat(Http.get(a.port(), "/").status()).isEqualTo(200);
            fastButLate += System.nanoTime() - t0 > 100_000_000L ? 1 : 0;
        }
        for (int i = 0; i < 10; i++) {
            assertThat(Http.get(b.port(), "/").status()).isEqualTo(200);
        }
        // read on until the seconds those requests fell in are whole and counted
        long[] requests = {0};
        long[] slower = {0};
        double[] p95 = {0};
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            TrafficWindow w = source.window(WEB, query);
            requests[0] += w.stable().requests();
            slower[0] += w.stable().slowerThan().get(Duration.ofMillis(100));
            if (w.stable().requests() > 0) {
                p95[0] = Math.max(p95[0], w.stable().latencyMillis().get(95.0));
            }
            return requests[0] >= 100;
        });
        assertThat(requests[0]).as("each request once").isEqualTo(100);
        assertThat(slower[0]).isBetween(10L, 10L + fastButLate);
        assertThat(p95[0]).as("p95 of the sum, from the histograms added up").isGreaterThan(150);
    }

    @Test
    void aReplicaThatDoesNotAnswerMakesTheWindowUnavailableRatherThanASumWithoutItsUsers() throws Exception {
        fast = SampleProcess.start("v1");
        a = RouterHarness.start(dir.resolve("a"));
        b = RouterHarness.start(dir.resolve("b"));
        a.route("web", List.of(fast.address()));
        b.route("web", List.of(fast.address()));
        RouterAdminClient gone = b.admin();
        b.close();
        b = null;
        MetricQuery query = new MetricQuery(Duration.ofSeconds(5), Set.of(), Set.of());
        assertThatThrownBy(() -> ReplicaMetricSource.of(() -> List.of(a.admin(), gone)).window(WEB, query))
                .isInstanceOf(MetricsUnavailableException.class).hasMessageContaining("router replica at " + gone.base());
        assertThatThrownBy(() -> ReplicaMetricSource.of(List::of).window(WEB, query))
                .isInstanceOf(MetricsUnavailableException.class).hasMessageContaining("no router replica is ready");
    }
}
