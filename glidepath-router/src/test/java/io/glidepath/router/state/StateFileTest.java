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
    void keepsThePreviousGoodSnapshotAsTheBackup() throws Exception {
        StateFile f = new StateFile(dir, 1);
        f.write(new StateFile.Contents(1, List.of(route("a", 1, 1))));
        f.write(new StateFile.Contents(2, List.of(route("a", 2, 2)))); // in the log
        f.write(new StateFile.Contents(3, List.of(route("a", 3, 3)))); // the log is full: a new snapshot
        String backup = Files.readString(dir.resolve(StateFile.BACKUP));
        assertThat(backup).contains("\"canaryWeight\" : 1");
        assertThat(Files.readString(dir.resolve(StateFile.NAME))).contains("\"canaryWeight\" : 3");
        assertThat(Files.size(dir.resolve(StateFile.LOG))).as("started over").isZero();
        assertThat(new StateFile(dir).load()).isEqualTo(new StateFile.Contents(3, List.of(route("a", 3, 3))));
    }

    @Test
    void aChangeIsOneLineInTheLogWhateverTheNumberOfRoutes() throws Exception {
        StateFile f = new StateFile(dir);
        List<RouteState> many = new java.util.ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            many.add(route(String.format("r%04d", i), 0, i + 1));
        }
        f.write(new StateFile.Contents(2_000, many));
        byte[] snapshot = Files.readAllBytes(dir.resolve(StateFile.NAME));
        List<RouteState> changed = new java.util.ArrayList<>(many);
        changed.set(1234, route("r1234", 2500, 2_001));
        changed.remove(7); // r0007
        StateFile.Contents next = new StateFile.Contents(2_002, changed);
        f.write(next);
        assertThat(Files.readAllBytes(dir.resolve(StateFile.NAME))).as("the snapshot is not rewritten").isEqualTo(snapshot);
        List<String> log = Files.readAllLines(dir.resolve(StateFile.LOG));
        assertThat(log).hasSize(1);
        assertThat(log.get(0)).contains("\"r1234\"", "\"delete\":[\"r0007\"]").doesNotContain("\"r1235\"").hasSizeLessThan(2_000);
        assertThat(new StateFile(dir).load()).as("the snapshot and the log, replayed").isEqualTo(next);
        f.write(next);
        assertThat(Files.readAllLines(dir.resolve(StateFile.LOG))).as("no change, no line").hasSize(1);
    }

    @Test
    void aLastLineCutShortByACrashIsLeftOutButADamagedLineBeforeItStopsTheStart() throws Exception {
        StateFile f = new StateFile(dir);
        StateFile.Contents first = new StateFile.Contents(1, List.of(route("a", 0, 1)));
        StateFile.Contents second = new StateFile.Contents(2, List.of(route("a", 100, 2)));
        f.write(first);
        f.write(second);
        Path log = dir.resolve(StateFile.LOG);
        String good = Files.readString(log);
        // a crash while the third change was being written: part of its line, no newline (it was never acknowledged)
        Files.writeString(log, good + good.substring(0, good.length() / 2));
        assertThat(new StateFile(dir).load()).isEqualTo(second);
        // the same damage with a line after it is not a crash's: refused, naming the line
        Files.writeString(log, good.substring(0, good.length() / 2) + "\n" + good);
        assertThatThrownBy(() -> new StateFile(dir).load()).isInstanceOf(CorruptStateException.class)
                .hasMessageContaining("routes.log line 1 is not valid JSON");
    }

    @Test
    void aLogACrashLeftBehindAfterASnapshotIsNotReplayedOverIt() throws Exception {
        StateFile f = new StateFile(dir, 2);
        f.write(new StateFile.Contents(1, List.of(route("a", 0, 1), route("b", 0, 1))));
        f.write(new StateFile.Contents(2, List.of(route("a", 10, 2), route("b", 0, 1))));
        f.write(new StateFile.Contents(3, List.of(route("a", 20, 3), route("b", 0, 1))));
        byte[] oldLog = Files.readAllBytes(dir.resolve(StateFile.LOG));
        StateFile.Contents latest = new StateFile.Contents(4, List.of(route("a", 30, 4), route("b", 0, 1)));
        f.write(latest); // the log is full: a snapshot, then the log starts over
        // a crash between the snapshot and the log's restart leaves the old lines behind
        Files.write(dir.resolve(StateFile.LOG), oldLog);
        assertThat(new StateFile(dir).load()).as("their changes are older than the snapshot's").isEqualTo(latest);
        // and the state goes on from there
        StateFile again = new StateFile(dir, 2);
        again.load();
        StateFile.Contents after = new StateFile.Contents(5, List.of(route("a", 40, 5), route("b", 0, 1)));
        again.write(after);
        assertThat(new StateFile(dir).load()).isEqualTo(after);
    }

    @Test
    void healthChangesGoToTheLogAndARouteRemovedTakesItsHealthAlong() throws Exception {
        StateFile f = new StateFile(dir);
        EndpointAddress up = new EndpointAddress("127.0.0.1", 9001);
        f.write(new StateFile.Contents(2, List.of(route("a", 0, 1), route("b", 0, 2))));
        StateFile.Contents healthy = new StateFile.Contents(2, List.of(route("a", 0, 1), route("b", 0, 2)),
                Map.of("a", Map.of(up, Health.HEALTHY), "b", Map.of(up, Health.UNHEALTHY)));
        f.write(healthy);
        assertThat(new StateFile(dir).load()).isEqualTo(healthy);
        StateFile.Contents withoutB = new StateFile.Contents(3, List.of(route("a", 0, 1)), Map.of());
        f.write(withoutB);
        assertThat(new StateFile(dir).load()).isEqualTo(withoutB);
        assertThat(Files.readAllLines(dir.resolve(StateFile.LOG))).hasSize(2);
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
        assertThat(Files.readString(dir.resolve(StateFile.NAME))).as("the first write is a snapshot")
                .contains("\"127.0.0.1:9001\" : \"healthy\"").doesNotContain("9003");
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
