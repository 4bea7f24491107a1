package io.glidepath.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RouteJsonTest {
    static JsonNode json(String s) throws Exception {
        return RouteJson.MAPPER.readTree(s);
    }

    @Test
    void anEmptyObjectIsARouteWithDefaults() throws Exception {
        RouteSpec s = RouteJson.readSpec("web", json("{}"));
        assertThat(s.match()).isEqualTo(RouteMatch.any());
        assertThat(s.stable()).isEmpty();
        assertThat(s.sticky()).isEqualTo(Stickiness.cookie());
        assertThat(s.shield()).isTrue();
        assertThat(s.health()).isEqualTo(HealthCheck.tcpDefault());
        assertThat(s.drainTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.overrideHeader()).isEqualTo("X-Glidepath-Track");
    }

    @Test
    void readsEveryField() throws Exception {
        RouteSpec s = RouteJson.readSpec("api", json("""
                {"match": {"host": "*.Example.com", "pathPrefix": "/api"},
                 "stable": ["127.0.0.1:9001", "127.0.0.1:9002"], "canary": ["127.0.0.1:9003"], "preview": ["127.0.0.1:9004"],
                 "canaryWeight": 2500, "sticky": {"mode": "header", "name": "X-User-Id"}, "overrideHeader": "X-Track",
                 "shield": false, "health": {"path": "/ready", "interval": "500ms", "timeout": "200ms", "healthyThreshold": 3,
                 "unhealthyThreshold": 4}, "drainTimeout": "1m"}
                """));
        assertThat(s.match()).isEqualTo(new RouteMatch("*.example.com", "/api"));
        assertThat(s.stable()).hasSize(2);
        assertThat(s.canary()).containsExactly(new EndpointAddress("127.0.0.1", 9003));
        assertThat(s.preview()).containsExactly(new EndpointAddress("127.0.0.1", 9004));
        assertThat(s.canaryWeight()).isEqualTo(2500);
        assertThat(s.sticky()).isEqualTo(Stickiness.header("X-User-Id"));
        assertThat(s.overrideHeader()).isEqualTo("X-Track");
        assertThat(s.shield()).isFalse();
        assertThat(s.health()).isEqualTo(new HealthCheck("/ready", Duration.ofMillis(500), Duration.ofMillis(200), 3, 4));
        assertThat(s.drainTimeout()).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void eachEndpointMayCarryItsVersionsHealthCheckAndDrainTimeoutTheRestComingFromTheRoute() throws Exception {
        RouteSpec s = RouteJson.readSpec("web", json("""
                {"stable": ["127.0.0.1:9001"], "canary": ["127.0.0.1:9002"], "canaryWeight": 1000,
                 "health": {"path": "/health", "interval": "2s"}, "drainTimeout": "10s",
                 "endpointSettings": {"127.0.0.1:9001": {"health": {"path": "/web/"}, "drainTimeout": "1m", "version": "v1"},
                                      "127.0.0.1:9002": {"health": {"timeout": "300ms"}}}}
                """));
        EndpointAddress old = new EndpointAddress("127.0.0.1", 9001);
        EndpointAddress fresh = new EndpointAddress("127.0.0.1", 9002);
        assertThat(s.healthOf(old)).isEqualTo(new HealthCheck("/web/", Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 2));
        assertThat(s.drainTimeoutOf(old)).isEqualTo(Duration.ofMinutes(1));
        assertThat(s.healthOf(fresh)).isEqualTo(new HealthCheck("/health", Duration.ofSeconds(2), Duration.ofMillis(300), 2, 2));
        assertThat(s.drainTimeoutOf(fresh)).isEqualTo(Duration.ofSeconds(10));
        assertThat(s.settingsOf(old).version()).as("the access log names it").contains("v1");
        assertThat(s.settingsOf(fresh).version()).isEmpty();
        assertThat(RouteJson.readSpec("web", RouteJson.writeSpec(s))).isEqualTo(s);
        // an endpoint that leaves takes its settings with it
        assertThat(RouteJson.writeSpec(s.without(java.util.Set.of(old))).path("endpointSettings").has("127.0.0.1:9001")).isFalse();
        assertThat(s.without(java.util.Set.of(old)).healthOf(old)).isEqualTo(s.health());
    }

    @Test
    void endpointSettingsMustNameAnEndpointOfTheRoute() {
        assertThatThrownBy(() -> RouteJson.readSpec("web", json("""
                {"stable": ["127.0.0.1:9001"],
                 "endpointSettings": {"127.0.0.1:9009": {"health": {"path": "/ready"}}, "nonsense": {}, "127.0.0.1:9001": {"helth": {}, "version": "v 2"}}}
                """)))
                .isInstanceOfSatisfying(InvalidRouteException.class, e -> assertThat(e.errors()).extracting(FieldError::pointer, FieldError::message)
                        .containsExactlyInAnyOrder(
                                org.assertj.core.groups.Tuple.tuple("/endpointSettings/127.0.0.1:9009", "endpoint 127.0.0.1:9009 is in none of the "
                                        + "route's tracks: add it to stable, canary or preview, or leave its settings out"),
                                org.assertj.core.groups.Tuple.tuple("/endpointSettings/nonsense", "must be keyed by \"host:port\", such as \"127.0.0.1:9001\""),
                                org.assertj.core.groups.Tuple.tuple("/endpointSettings/127.0.0.1:9001/helth", "unknown field \"helth\": did you mean \"health\"?"),
                                org.assertj.core.groups.Tuple.tuple("/endpointSettings/127.0.0.1:9001/version", "must be a version such as \"v2\" or "
                                        + "\"1.4.0\" (1..128 printable characters, no spaces); got \"v 2\"")));
    }

    @Test
    void anH2cEndpointMayBeCheckedWithTheGrpcHealthServiceButNotAlsoByAPath() throws Exception {
        RouteSpec s = RouteJson.readSpec("orders", json("""
                {"stable": ["127.0.0.1:9001"], "endpointSettings": {"127.0.0.1:9001": {"protocol": "h2c", "health": {"grpc": "shop.Orders"}}}}
                """));
        EndpointAddress a = new EndpointAddress("127.0.0.1", 9001);
        assertThat(s.healthOf(a).isGrpc()).isTrue();
        assertThat(s.healthOf(a).grpcService()).isEqualTo("shop.Orders");
        assertThat(s.healthOf(a).isHttp()).isFalse();
        assertThat(RouteJson.readSpec("orders", RouteJson.writeSpec(s))).isEqualTo(s);
        assertThatThrownBy(() -> RouteJson.readSpec("orders", json("""
                {"stable": ["127.0.0.1:9001", "127.0.0.1:9002"], "endpointSettings": {"127.0.0.1:9001": {"health": {"grpc": "x", "path": "/ready"}},
                 "127.0.0.1:9002": {"health": {"grpc": "no such/name"}}}}
                """)))
                .isInstanceOfSatisfying(InvalidRouteException.class, e -> assertThat(e.errors()).extracting(FieldError::pointer, FieldError::message)
                        .containsExactlyInAnyOrder(
                                org.assertj.core.groups.Tuple.tuple("/endpointSettings/127.0.0.1:9001/health/grpc", "a check is a GET of a path or a gRPC "
                                        + "health check, not both: leave out path or grpc"),
                                org.assertj.core.groups.Tuple.tuple("/endpointSettings/127.0.0.1:9002/health/grpc", "must be the gRPC service whose health "
                                        + "is checked, such as \"shop.Orders\", or \"\" for the server as a whole")));
    }

    @Test
    void aRouteMayMirrorAShareToItsCanaryAndBadValuesAreNamedByPointer() throws Exception {
        RouteSpec s = RouteJson.readSpec("web", json("""
                {"stable": ["127.0.0.1:9001"], "canary": ["127.0.0.1:9002"], "mirror": {"weight": 2000, "allMethods": true}}
                """));
        assertThat(s.mirror()).isEqualTo(new Mirror(2000, true));
        assertThat(RouteJson.readSpec("web", RouteJson.writeSpec(s))).isEqualTo(s);
        assertThat(RouteJson.writeSpec(s.withMirror(Mirror.none())).has("mirror")).as("none is not written").isFalse();
        assertThat(RouteJson.readSpec("web", json("{\"stable\": [\"127.0.0.1:9001\"]}")).mirror()).isEqualTo(Mirror.none());
        assertThatThrownBy(() -> RouteJson.readSpec("web", json("""
                {"stable": ["127.0.0.1:9001"], "mirror": {"weight": 20000, "allMethods": "yes", "wieght": 1}}
                """)))
                .isInstanceOfSatisfying(InvalidRouteException.class, e -> assertThat(e.errors()).extracting(FieldError::pointer)
                        .containsExactlyInAnyOrder("/mirror/weight", "/mirror/allMethods", "/mirror/wieght"));
    }

    @Test
    void anEndpointMaySpeakH2cAndAnUnknownProtocolIsNamedByPointer() throws Exception {
        RouteSpec s = RouteJson.readSpec("grpc", json("""
                {"stable": ["127.0.0.1:9001", "127.0.0.1:9002"], "endpointSettings": {"127.0.0.1:9001": {"protocol": "h2c"}}}
                """));
        assertThat(s.settingsOf(new EndpointAddress("127.0.0.1", 9001)).protocol()).isEqualTo(BackendProtocol.H2C);
        assertThat(s.settingsOf(new EndpointAddress("127.0.0.1", 9002)).protocol()).as("HTTP/1.1 when not said").isEqualTo(BackendProtocol.HTTP1);
        assertThat(RouteJson.readSpec("grpc", RouteJson.writeSpec(s))).isEqualTo(s);
        assertThatThrownBy(() -> RouteJson.readSpec("grpc", json("""
                {"stable": ["127.0.0.1:9001"], "endpointSettings": {"127.0.0.1:9001": {"protocol": "h2"}}}
                """)))
                .isInstanceOfSatisfying(InvalidRouteException.class, e -> assertThat(e.errors()).extracting(FieldError::pointer, FieldError::message)
                        .containsExactly(org.assertj.core.groups.Tuple.tuple("/endpointSettings/127.0.0.1:9001/protocol",
                                "must be one of \"http/1.1\", \"h2c\" (h2c: HTTP/2 without TLS, as gRPC servers speak); got \"h2\"")));
    }

    @Test
    void aRouteMayAskForHttpsWithRedirectAndHstsAndBadValuesAreNamedByPointer() throws Exception {
        RouteSpec s = RouteJson.readSpec("web", json("""
                {"stable": ["127.0.0.1:9001"], "https": {"redirect": true, "hsts": {"maxAge": "8760h", "includeSubDomains": true}}}
                """));
        assertThat(s.https()).isEqualTo(new HttpsPolicy(true, java.util.Optional.of(Duration.ofHours(8760)), true));
        assertThat(s.https().hstsHeader()).contains("max-age=31536000; includeSubDomains");
        assertThat(RouteJson.readSpec("web", RouteJson.writeSpec(s))).isEqualTo(s);
        assertThat(RouteJson.writeSpec(s.withHttps(HttpsPolicy.none())).has("https")).as("none is not written").isFalse();
        assertThatThrownBy(() -> RouteJson.readSpec("web", json("""
                {"stable": ["127.0.0.1:9001"], "https": {"redirect": "yes", "hsts": {"maxAge": "1s"}, "hstss": 1}}
                """)))
                .isInstanceOfSatisfying(InvalidRouteException.class, e -> assertThat(e.errors()).extracting(FieldError::pointer)
                        .containsExactlyInAnyOrder("/https/redirect", "/https/hsts/maxAge", "/https/hstss"));
    }

    @Test
    void writingThenReadingGivesTheSameRoute() throws Exception {
        RouteSpec s = RouteSpec.of("web", new RouteMatch("shop.example.com", "/"), List.of(new EndpointAddress("10.0.0.1", 80)))
                .withCanary(List.of(new EndpointAddress("10.0.0.2", 80))).withCanaryWeight(500)
                .withSticky(Stickiness.none()).withHealth(HealthCheck.http("/health")).withDrainTimeout(Duration.ofMillis(1500));
        RouteState state = new RouteState(s, 12, "k".repeat(32));
        JsonNode written = RouteJson.write(state);
        assertThat(RouteJson.readSpec("web", written)).isEqualTo(s);
        assertThat(written.path("generation").asLong()).isEqualTo(12);
    }

    @Test
    void reportsEveryBadFieldAtOnceWithItsPointer() {
        assertThatThrownBy(() -> RouteJson.readSpec("web", json("""
                {"stable": "127.0.0.1:1", "canary": [5], "canaryWeight": 2.5, "shield": "yes",
                 "sticky": {"mode": "header"}, "health": {"path": "health", "timeout": "0ms", "extra": 1},
                 "overrideHeader": "has space", "name": "other"}
                """)))
                .isInstanceOfSatisfying(InvalidRouteException.class, e -> assertThat(e.errors()).extracting(FieldError::pointer)
                        .containsExactlyInAnyOrder("/stable", "/canary/0", "/canaryWeight", "/shield", "/sticky/name", "/health/path",
                                "/health/timeout", "/health/extra", "/overrideHeader", "/name"));
    }

    @Test
    void anEndpointBelongsToOneTrack() {
        assertThatThrownBy(() -> RouteJson.readSpec("web", json("{\"stable\": [\"127.0.0.1:1\"], \"preview\": [\"127.0.0.1:1\"]}")))
                .isInstanceOfSatisfying(InvalidRouteException.class, e -> assertThat(e.errors()).singleElement()
                        .satisfies(f -> {
                            assertThat(f.pointer()).isEqualTo("/preview/0");
                            assertThat(f.message()).contains("appears twice");
                        }));
    }

    @Test
    void pointersEscapeOddFieldNames() {
        assertThatThrownBy(() -> RouteJson.readSpec("web", json("{\"a/b~c\": 1}")))
                .isInstanceOfSatisfying(InvalidRouteException.class, e -> assertThat(e.errors().get(0).pointer()).isEqualTo("/a~1b~0c"));
    }

    @Test
    void readsWeightAndDrainBodies() throws Exception {
        assertThat(RouteJson.readWeight(json("{\"canaryWeight\": 10000}"))).isEqualTo(10_000);
        assertThatThrownBy(() -> RouteJson.readWeight(json("{\"canaryWeight\": -1}"))).isInstanceOf(InvalidRouteException.class)
                .hasMessageContaining("/canaryWeight");
        assertThat(RouteJson.readDrain(json("{\"endpoints\": [\"127.0.0.1:5\"]}"))).containsExactly(new EndpointAddress("127.0.0.1", 5));
        assertThatThrownBy(() -> RouteJson.readDrain(json("[]"))).isInstanceOf(InvalidRouteException.class);
    }
}
