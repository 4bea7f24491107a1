package io.glidepath.router.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.glidepath.route.EndpointAddress;
import io.glidepath.route.RouteMatch;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.RouteState;
import io.glidepath.router.endpoint.Endpoint.Health;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateFileTest {
    @TempDir
    Path dir;

    static RouteState route(String name, int weight, long generation) {
        return new RouteState(RouteSpec.of(name, new RouteMatch(null, "/" + name), List.of(new EndpointAddress("127.0.0.1", 9001)))
                .withCanaryWeight(weight), generation, "0123456789abcdef0123456789abcdef");
    }

    @Test
    void aMissingFileIsAnEmptyTable() throws Exception {
        assertThat(new StateFile(dir).load()).isEqualTo(StateFile.Contents.EMPTY);
    }

    @Test
    void writesAndReadsBackEveryRouteWithTheGeneration() throws Exception {
        StateFile f = new StateFile(dir);
        StateFile.Contents c = new StateFile.Contents(7, List.of(route("a", 100, 5), route("b", 0, 7)));
        f.write(c);
        assertThat(f.load()).isEqualTo(c);
        assertThat(dir.resolve(StateFile.NAME + ".tmp")).doesNotExist();
    }

    @Test
    void keepsThePreviousGoodFileAsTheBackup() throws Exception {
        StateFile f = new StateFile(dir);
        f.write(new StateFile.Contents(1, List.of(route("a", 1, 1))));
        f.write(new StateFile.Contents(2, List.of(route("a", 2, 2))));
        String backup = Files.readString(dir.resolve(StateFile.BACKUP));
        assertThat(backup).contains("\"canaryWeight\" : 1");
        assertThat(Files.readString(dir.resolve(StateFile.NAME))).contains("\"canaryWeight\" : 2");
    }

    @Test
    void refusesAFileWithAnInvalidRouteNamingTheRoute() throws Exception {
        Files.writeString(dir.resolve(StateFile.NAME), """
                {"format": 1, "generation": 3, "routes": [
                  {"name": "web", "generation": 3, "previewKey": "0123456789abcdef0123", "stable": ["127.0.0.1:99999"]}]}
                """);
        assertThatThrownBy(() -> new StateFile(dir).load()).isInstanceOf(CorruptStateException.class)
                .hasMessageContaining("route 'web' is invalid").hasMessageContaining("/stable/0")
                .hasMessageContaining("there is no backup");
    }

    @Test
    void refusesADeeplyNestedFileSayingWhereReadingStopped() throws Exception {
        Path state = dir.resolve(StateFile.NAME);
        Files.writeString(state, "{\"format\": 1, \"generation\": 3, \"routes\": " + "[".repeat(10_000));
        assertThatThrownBy(() -> new StateFile(dir).load()).isInstanceOf(CorruptStateException.class)
                .hasMessageStartingWith("state file " + state + " cannot be used: it is not valid JSON at line 1, column 73 "
                        + "(Document nesting depth (33) exceeds the maximum allowed (32))")
                .hasMessageContaining("there is no backup");
    }

    @Test
    void refusesBinaryContentSayingWhere() throws Exception {
        Path state = dir.resolve(StateFile.NAME);
        Files.write(state, new byte[] {'{', '"', 'f', (byte) 0xff, 0, 0, '"'});
        assertThatThrownBy(() -> new StateFile(dir).load()).isInstanceOf(CorruptStateException.class)
                .hasMessageStartingWith("state file " + state + " cannot be used: it is not valid JSON at line 1, column ");
    }

    @Test
    void refusesAFileOfAnotherFormat() throws Exception {
        Files.writeString(dir.resolve(StateFile.NAME), "[1, 2, 3]");
        assertThatThrownBy(() -> new StateFile(dir).load()).isInstanceOf(CorruptStateException.class)
                .hasMessageContaining("does not hold a routing table");
    }

    @Test
    void keepsEachEndpointsLastKnownHealthAcrossARoundTrip() throws Exception {
        StateFile f = new StateFile(dir);
        EndpointAddress up = new EndpointAddress("127.0.0.1", 9001);
        EndpointAddress down = new EndpointAddress("127.0.0.1", 9002);
        EndpointAddress unknown = new EndpointAddress("127.0.0.1", 9003);
        StateFile.Contents c = new StateFile.Contents(7, List.of(route("a", 100, 5), route("b", 0, 7)),
                Map.of("a", Map.of(up, Health.HEALTHY, down, Health.UNHEALTHY, unknown, Health.PENDING), "b", Map.of(up, Health.UNHEALTHY)));
        f.write(c);
        StateFile.Contents back = f.load();
        assertThat(back).isEqualTo(c);
        assertThat(back.health("a", up)).contains(Health.HEALTHY);
        assertThat(back.health("a", down)).contains(Health.UNHEALTHY);
        assertThat(back.health("a", unknown)).as("pending is not a known health: not written").isEmpty();
        assertThat(back.health("b", up)).contains(Health.UNHEALTHY);
        assertThat(Files.readString(dir.resolve(StateFile.NAME))).contains("\"127.0.0.1:9001\" : \"healthy\"").doesNotContain("9003");
    }

    @Test
    void aFileWrittenBeforeHealthWasKeptLoadsWithEveryEndpointUnknown() throws Exception {
        // the exact shape routers wrote before they kept health
        Files.writeString(dir.resolve(StateFile.NAME), """
                {
                  "format" : 1,
                  "generation" : 4,
                  "routes" : [ {
                    "name" : "web",
                    "generation" : 4,
                    "previewKey" : "0123456789abcdef0123456789abcdef",
                    "match" : { "pathPrefix" : "/" },
                    "stable" : [ "127.0.0.1:9001" ]
                  } ]
                }
                """);
        StateFile.Contents back = new StateFile(dir).load();
        assertThat(back.generation()).isEqualTo(4);
        assertThat(back.routes()).extracting(RouteState::name).containsExactly("web");
        assertThat(back.health()).isEmpty();
        assertThat(back.health("web", new EndpointAddress("127.0.0.1", 9001))).isEmpty();
    }

    @Test
    void healthEntriesThatCannotBeReadAreLeftOutWithoutStoppingTheStart() throws Exception {
        Files.writeString(dir.resolve(StateFile.NAME), """
                {"format": 1, "generation": 3, "routes": [
                  {"name": "web", "generation": 3, "previewKey": "0123456789abcdef0123456789abcdef", "stable": ["127.0.0.1:9001"]}],
                 "health": {"web": {"127.0.0.1:9001": "healthy", "127.0.0.1:99999": "healthy", "127.0.0.1:9002": "maybe"}, "other": 7}}
                """);
        StateFile.Contents back = new StateFile(dir).load();
        assertThat(back.health()).isEqualTo(Map.of("web", Map.of(new EndpointAddress("127.0.0.1", 9001), Health.HEALTHY)));
    }
}
