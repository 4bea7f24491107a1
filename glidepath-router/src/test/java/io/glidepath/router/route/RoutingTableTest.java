package io.glidepath.router.route;

import static org.assertj.core.api.Assertions.assertThat;

import io.glidepath.route.EndpointAddress;
import io.glidepath.route.RouteMatch;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.RouteState;
import java.util.List;
import org.junit.jupiter.api.Test;

class RoutingTableTest {
    static ActiveRoute route(String name, String host, String prefix) {
        RouteSpec s = RouteSpec.of(name, new RouteMatch(host, prefix), List.of(new EndpointAddress("127.0.0.1", 1)));
        return new ActiveRoute(new RouteState(s, 1, "k"), new RouteRuntime(name));
    }

    final RoutingTable table = new RoutingTable(List.of(
            route("any-root", null, "/"),
            route("any-api", null, "/api"),
            route("any-api-v2", null, "/api/v2"),
            route("shop", "shop.example.com", "/"),
            route("shop-api", "shop.example.com", "/api"),
            route("wild", "*.example.com", "/"),
            route("wild-deep", "*.eu.example.com", "/"),
            route("wild-static", "*.example.com", "/static")), 8);

    String match(String host, String path) {
        ActiveRoute r = table.match(host, path);
        return r == null ? null : r.name();
    }

    @Test
    void theLongestPathPrefixWinsWithinAHost() {
        assertThat(match("other.test", "/")).isEqualTo("any-root");
        assertThat(match("other.test", "/api")).isEqualTo("any-api");
        assertThat(match("other.test", "/api/v2/orders")).isEqualTo("any-api-v2");
        assertThat(match("other.test", "/apiary")).isEqualTo("any-root");
    }

    @Test
    void anExactHostWinsOverAWildcardWhichWinsOverAnyHost() {
        assertThat(match("shop.example.com", "/api/x")).isEqualTo("shop-api");
        assertThat(match("shop.example.com", "/static/a.css")).isEqualTo("shop");
        assertThat(match("blog.example.com", "/static/a.css")).isEqualTo("wild-static");
        assertThat(match("blog.example.com", "/api")).isEqualTo("wild");
        assertThat(match("paris.eu.example.com", "/")).isEqualTo("wild-deep");
        assertThat(match("example.com", "/api")).isEqualTo("any-api");
    }

    @Test
    void aRequestNoRouteOfItsHostTakesFallsThroughToLessSpecificHosts() {
        RoutingTable t = new RoutingTable(List.of(route("shop-api", "shop.example.com", "/api"), route("root", null, "/")), 2);
        assertThat(t.match("shop.example.com", "/home").name()).isEqualTo("root");
        assertThat(new RoutingTable(List.of(route("shop-api", "shop.example.com", "/api")), 1).match("shop.example.com", "/home")).isNull();
    }
}
