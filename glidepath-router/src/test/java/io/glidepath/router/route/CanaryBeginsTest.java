package io.glidepath.router.route;

import static org.assertj.core.api.Assertions.assertThat;

import io.glidepath.route.EndpointAddress;
import io.glidepath.route.RouteMatch;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.RouteState;
import io.glidepath.router.metrics.ClientErrorLedger;
import java.util.List;
import org.junit.jupiter.api.Test;

/** When a route's ledger of clients with an error starts anew: a new canary, and nothing else. */
class CanaryBeginsTest {
    static final EndpointAddress S = EndpointAddress.parse("127.0.0.1:9001").orElseThrow();
    static final EndpointAddress A1 = EndpointAddress.parse("127.0.0.1:9002").orElseThrow();
    static final EndpointAddress A2 = EndpointAddress.parse("127.0.0.1:9003").orElseThrow();
    static final EndpointAddress B = EndpointAddress.parse("127.0.0.1:9004").orElseThrow();

    static RouteState route(List<EndpointAddress> stable, List<EndpointAddress> canary, int weight) {
        return new RouteState(RouteSpec.of("web", RouteMatch.any(), stable).withCanary(canary).withCanaryWeight(weight), 1, "key");
    }

    @Test
    void aFirstCanaryBegins() {
        assertThat(RouteRegistry.canaryBegins(route(List.of(S), List.of(), 0), route(List.of(S), List.of(A1), 0))).isTrue();
        assertThat(RouteRegistry.canaryBegins(null, route(List.of(S), List.of(A1), 500))).as("a new route with a canary").isTrue();
    }

    @Test
    void aCanaryInPlaceOfAnotherBegins() {
        assertThat(RouteRegistry.canaryBegins(route(List.of(S), List.of(A1, A2), 2500), route(List.of(S), List.of(B), 0))).isTrue();
    }

    @Test
    void weightStepsReplacedInstancesPromotionAndRollbackDoNot() {
        RouteState canary = route(List.of(S), List.of(A1), 500);
        assertThat(RouteRegistry.canaryBegins(canary, route(List.of(S), List.of(A1), 2500))).as("a weight step").isFalse();
        assertThat(RouteRegistry.canaryBegins(canary, route(List.of(S), List.of(A1, A2), 500))).as("an instance added").isFalse();
        assertThat(RouteRegistry.canaryBegins(route(List.of(S), List.of(A1, A2), 500), route(List.of(S), List.of(A2), 500)))
                .as("one of two instances left").isFalse();
        assertThat(RouteRegistry.canaryBegins(canary, route(List.of(A1), List.of(), 0))).as("promotion").isFalse();
        assertThat(RouteRegistry.canaryBegins(canary, route(List.of(S), List.of(), 0))).as("rollback").isFalse();
        assertThat(RouteRegistry.canaryBegins(null, route(List.of(S), List.of(), 0))).as("a route without canary").isFalse();
    }

    @Test
    void aRuntimeGetsAnEmptyLedgerWhenACanaryBegins() {
        RouteRuntime rt = new RouteRuntime("web");
        ClientErrorLedger first = rt.clientErrors();
        first.firstError(7);
        rt.canaryBegins();
        assertThat(rt.clientErrors()).isNotSameAs(first);
        assertThat(rt.clientErrors().size()).isZero();
        assertThat(rt.clientErrors().firstError(7)).isTrue();
    }
}
