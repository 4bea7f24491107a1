package io.glidepath.router.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.glidepath.route.EndpointAddress;
import io.glidepath.route.RouteMatch;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.RouteState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
    void refusesAFileOfAnotherFormat() throws Exception {
        Files.writeString(dir.resolve(StateFile.NAME), "[1, 2, 3]");
        assertThatThrownBy(() -> new StateFile(dir).load()).isInstanceOf(CorruptStateException.class)
                .hasMessageContaining("does not hold a routing table");
    }
}
