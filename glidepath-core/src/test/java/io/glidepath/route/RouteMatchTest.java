package io.glidepath.route;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RouteMatchTest {
    @Test
    void aPathPrefixMatchesOnSegmentBoundaries() {
        RouteMatch api = new RouteMatch(null, "/api");
        assertThat(api.matchesPath("/api")).isTrue();
        assertThat(api.matchesPath("/api/orders")).isTrue();
        assertThat(api.matchesPath("/apix")).isFalse();
        assertThat(api.matchesPath("/")).isFalse();
        assertThat(new RouteMatch(null, "/api/").matchesPath("/api/x")).isTrue();
        assertThat(RouteMatch.any().matchesPath("/anything")).isTrue();
    }

    @Test
    void aWildcardHostTakesSubdomainsButNotTheApex() {
        RouteMatch m = new RouteMatch("*.Example.com", "/");
        assertThat(m.matchesHost("shop.example.com")).isTrue();
        assertThat(m.matchesHost("a.b.example.com")).isTrue();
        assertThat(m.matchesHost("example.com")).isFalse();
        assertThat(m.matchesHost("badexample.com")).isFalse();
        assertThat(new RouteMatch("shop.example.com", "/").matchesHost("shop.example.com")).isTrue();
        assertThat(new RouteMatch("shop.example.com", "/").matchesHost("www.example.com")).isFalse();
    }
}
