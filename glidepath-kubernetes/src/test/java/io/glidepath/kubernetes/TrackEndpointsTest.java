package io.glidepath.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.glidepath.kubernetes.TrackEndpoints.SliceEndpoint;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.EndpointSettings;
import io.glidepath.route.HealthCheck;
import io.glidepath.route.RouteMatch;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.Track;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A replica keeps each track to its versions' EndpointSlices between two writes of the server. */
class TrackEndpointsTest {
    static final EndpointAddress A = new EndpointAddress("10.0.0.1", 8080);
    static final EndpointAddress B = new EndpointAddress("10.0.0.2", 8080);
    static final EndpointAddress C = new EndpointAddress("10.0.0.3", 8080);
    static final EndpointAddress N = new EndpointAddress("10.0.1.1", 8080);
    static final EndpointSettings V1_SETTINGS = new EndpointSettings(HealthCheck.http("/ready"), Duration.ofSeconds(20));

    /** v1 (stable, A and B, with its own health check) and v2 (canary, N). */
    static final RouteSpec WRITTEN = RouteSpec.of("web", RouteMatch.any(), List.of(A, B)).withCanary(List.of(N)).withCanaryWeight(1000)
            .withEndpointSettings(Map.of(A, V1_SETTINGS, B, V1_SETTINGS));
    static final Map<EndpointAddress, String> SERVICES = Map.of(A, "web-v1", B, "web-v1", N, "web-v2");

    static TrackEndpoints.Slices slices(Map<String, List<SliceEndpoint>> by) {
        return s -> Optional.ofNullable(by.get(s));
    }

    static SliceEndpoint ready(EndpointAddress a) {
        return new SliceEndpoint(a.host(), true, false);
    }

    @Test
    void aReplacedPodJoinsItsVersionsTrackWithItsSiblingsSettingsAndTheGoneOneLeaves() {
        RouteSpec served = TrackEndpoints.resolve(WRITTEN, SERVICES, WRITTEN.allEndpoints(),
                slices(Map.of("web-v1", List.of(ready(A), ready(C)), "web-v2", List.of(ready(N)))));
        assertThat(served.stable()).containsExactly(A, C);
        assertThat(served.settingsOf(C)).isEqualTo(V1_SETTINGS);
        assertThat(served.canary()).containsExactly(N);
        assertThat(served.endpointSettings()).doesNotContainKey(B);
        assertThat(served.canaryWeight()).isEqualTo(1000);
    }

    @Test
    void aTerminatingOrUnreadyEndpointLeavesButATrackIsNeverEmptiedByTheSlices() {
        RouteSpec served = TrackEndpoints.resolve(WRITTEN, SERVICES, WRITTEN.allEndpoints(), slices(Map.of(
                "web-v1", List.of(ready(A), new SliceEndpoint(B.host(), true, true)),
                "web-v2", List.of(new SliceEndpoint(N.host(), false, false)))));
        assertThat(served.stable()).as("B terminates: it drains").containsExactly(A);
        assertThat(served.canary()).as("no ready canary pod: the written one stays, the health checks decide").containsExactly(N);
    }

    @Test
    void whatTheServerTookOutStaysOutAndVersionsWithoutSlicesOrInTwoTracksAreServedAsWritten() {
        RouteSpec drained = WRITTEN.without(Set.of(B));
        RouteSpec served = TrackEndpoints.resolve(drained, SERVICES, WRITTEN.allEndpoints(),
                slices(Map.of("web-v1", List.of(ready(A), ready(B)))));
        assertThat(served.stable()).as("B was written once, then taken out: the server's removal wins").containsExactly(A);
        assertThat(served.canary()).as("no slice of web-v2 seen yet").containsExactly(N);

        RouteSpec split = RouteSpec.of("web", RouteMatch.any(), List.of(A)).withPreview(List.of(B));
        RouteSpec both = TrackEndpoints.resolve(split, Map.of(A, "web-v1", B, "web-v1"), split.allEndpoints(),
                slices(Map.of("web-v1", List.of(ready(A), ready(B), ready(C)))));
        assertThat(both.endpoints(Track.STABLE)).containsExactly(A);
        assertThat(both.endpoints(Track.PREVIEW)).containsExactly(B);
        assertThat(TrackEndpoints.resolve(WRITTEN, Map.of(), Set.of(), slices(Map.of()))).isEqualTo(WRITTEN);
    }
}
