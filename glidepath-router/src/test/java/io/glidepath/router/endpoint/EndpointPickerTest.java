package io.glidepath.router.endpoint;

import static org.assertj.core.api.Assertions.assertThat;

import io.glidepath.route.EndpointAddress;
import io.glidepath.router.metrics.MetricSeries;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EndpointPickerTest {
    static Endpoint healthy(int port) {
        Endpoint e = new Endpoint(new EndpointAddress("127.0.0.1", port), MetricSeries.systemClock());
        e.setHealth(Endpoint.Health.HEALTHY);
        return e;
    }

    @Test
    void prefersTheLessLoadedOfTwoRandomPicks() {
        Endpoint busy = healthy(1);
        Endpoint idle = healthy(2);
        for (int i = 0; i < 10; i++) {
            busy.acquire();
        }
        for (int i = 0; i < 100; i++) {
            assertThat(EndpointPicker.pick(new Endpoint[] {busy, idle}, null, System.nanoTime())).isSameAs(idle);
        }
    }

    @Test
    void spreadsEvenlyOverEqualEndpoints() {
        Endpoint[] all = {healthy(1), healthy(2), healthy(3), healthy(4)};
        Map<Endpoint, Integer> hits = new HashMap<>();
        for (int i = 0; i < 40_000; i++) {
            hits.merge(EndpointPicker.pick(all, null, System.nanoTime()), 1, Integer::sum);
        }
        assertThat(hits.values()).allSatisfy(n -> assertThat(n).isBetween(9_000, 11_000));
    }

    @Test
    void neverPicksAnEndpointThatIsPendingUnhealthyDrainingEjectedOrExcluded() {
        Endpoint pending = new Endpoint(new EndpointAddress("127.0.0.1", 1), MetricSeries.systemClock());
        Endpoint unhealthy = healthy(2);
        unhealthy.setHealth(Endpoint.Health.UNHEALTHY);
        Endpoint draining = healthy(3);
        draining.startDrain(System.nanoTime() + 1_000_000_000L);
        Endpoint ejected = healthy(4);
        ejected.connectFailed(System.nanoTime());
        ejected.connectFailed(System.nanoTime());
        Endpoint excluded = healthy(5);
        Endpoint good = healthy(6);
        Endpoint[] all = {pending, unhealthy, draining, ejected, excluded, good};
        for (int i = 0; i < 200; i++) {
            assertThat(EndpointPicker.pick(all, excluded, System.nanoTime())).isSameAs(good);
        }
        assertThat(EndpointPicker.pick(new Endpoint[] {pending, unhealthy, draining, ejected}, null, System.nanoTime())).isNull();
    }

    @Test
    void anEjectionEndsAfterItsBackOff() {
        Endpoint e = healthy(1);
        long now = System.nanoTime();
        e.connectFailed(now);
        assertThat(e.isEligible(now)).as("one failure is not enough").isTrue();
        e.connectFailed(now);
        assertThat(e.isEligible(now)).isFalse();
        assertThat(e.isEligible(now + Endpoint.FIRST_EJECTION_NANOS)).isTrue();
        // a second ejection in a row lasts twice as long
        e.connectFailed(now + Endpoint.FIRST_EJECTION_NANOS);
        e.connectFailed(now + Endpoint.FIRST_EJECTION_NANOS);
        assertThat(e.isEligible(now + 2 * Endpoint.FIRST_EJECTION_NANOS)).isFalse();
        assertThat(e.isEligible(now + 3 * Endpoint.FIRST_EJECTION_NANOS)).isTrue();
    }
}
