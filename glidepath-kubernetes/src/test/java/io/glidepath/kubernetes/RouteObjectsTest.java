package io.glidepath.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.InvalidRouteException;
import io.glidepath.route.RouteMatch;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.RouteState;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A route as a ConfigMap, both ways, and what a replica says of one it cannot read. */
class RouteObjectsTest {

    @Test
    void aRouteComesBackFromItsConfigMapAsItWasWritten() throws Exception {
        RouteState s = new RouteState(RouteSpec.of("web", new RouteMatch("shop.example.test", "/"), List.of(new EndpointAddress("10.0.0.7", 8080)))
                .withCanary(List.of(new EndpointAddress("10.0.0.9", 8080))).withCanaryWeight(2500), 4, "k".repeat(32));
        ConfigMap cm = RouteObjects.toConfigMap(s, "shop");
        assertThat(cm.getMetadata().getName()).isEqualTo("glidepath-route-web");
        assertThat(cm.getMetadata().getLabels()).containsEntry(RouteObjects.ROUTE, "web").containsEntry("app.kubernetes.io/managed-by", "glidepath");
        assertThat(RouteObjects.read(cm)).isEqualTo(s);
    }

    @Test
    void routeNamesThatAreNoObjectNamesGetObjectsOfTheirOwn() {
        assertThat(RouteObjects.objectName("my_web")).startsWith("glidepath-route-my-web-").isNotEqualTo(RouteObjects.objectName("my-web"));
        assertThat(RouteObjects.objectName("web.")).startsWith("glidepath-route-web-").doesNotEndWith(".");
    }

    @Test
    void aConfigMapThatIsNoRouteIsNamedWithWhatItLacks() {
        ConfigMap cm = RouteObjects.toConfigMap(new RouteState(RouteSpec.of("web", RouteMatch.any(), List.of(new EndpointAddress("10.0.0.7", 8080))),
                1, "k".repeat(32)), "shop");
        cm.getMetadata().getAnnotations().remove(RouteObjects.GENERATION);
        assertThatThrownBy(() -> RouteObjects.read(cm)).isInstanceOf(InvalidRouteException.class)
                .hasMessageContaining("ConfigMap shop/glidepath-route-web is no route written by a Glidepath server")
                .hasMessageContaining(RouteObjects.GENERATION);
    }
}
