package io.glidepath.router.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.glidepath.http.ClientRequest;
import io.glidepath.route.RouteState;
import io.glidepath.router.client.EndpointStatus;
import io.glidepath.router.testkit.Http;
import io.glidepath.router.testkit.RouterHarness;
import io.glidepath.router.testkit.SampleProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RestartTest {
    @TempDir
    Path dir;

    @Test
    void routesComeBackAfterARestartAndOnlyCheckedEndpointsTakeTraffic() throws Exception {
        try (SampleProcess a = SampleProcess.start("a"); SampleProcess b = SampleProcess.start("b")) {
            RouteState before;
            try (RouterHarness first = RouterHarness.start(dir)) {
                RouteState r = first.route("web", List.of(a.address(), b.address()));
                before = first.admin().setWeight("web", 1234, OptionalLong.of(r.generation()));
            }
            b.kill9(); // down while the router was away

            try (RouterHarness second = RouterHarness.start(dir)) {
                RouteState after = second.admin().route("web").orElseThrow();
                assertThat(after).isEqualTo(before);
                // the very first requests after the restart already avoid the dead endpoint
                for (int i = 0; i < 30; i++) {
                    assertThat(Http.get(second.port(), "/").header("X-Version")).contains("a");
                }
                EndpointStatus dead = second.admin().endpoints("web").stream().filter(e -> e.address().equals(b.address())).findFirst().orElseThrow();
                assertThat(dead.isHealthy()).isFalse();
                // the preview key survives too
                assertThat(Http.send(second.port(), ClientRequest.get("/").withHeader("X-Glidepath-Preview-Key", before.previewKey())).status())
                        .as("preview track is empty: no endpoint").isEqualTo(503);
                // generations keep growing after a restart
                assertThat(second.admin().setWeight("web", 0, OptionalLong.of(after.generation())).generation()).isGreaterThan(after.generation());
            }
        }
    }

    @Test
    void aCorruptStateFileStopsTheStartAndNamesTheFileAndItsBackup() throws Exception {
        try (SampleProcess a = SampleProcess.start("a")) {
            try (RouterHarness first = RouterHarness.start(dir)) {
                RouteState r = first.route("web", List.of(a.address()));
                first.admin().setWeight("web", 100, OptionalLong.of(r.generation()));
            }
            // started again, the router writes the log's changes into a new snapshot, keeping the one before as the backup
            RouterHarness.start(dir).close();
        }
        Path state = dir.resolve(StateFile.NAME);
        Path backup = dir.resolve(StateFile.BACKUP);
        assertThat(backup).exists();
        Files.writeString(state, "{\"format\": 1, \"routes\": [ {\"name\": \"web\", \"stable\": [\"1");
        assertThatThrownBy(() -> RouterHarness.start(dir))
                .isInstanceOf(CorruptStateException.class)
                .hasMessageContaining(state.toString())
                .hasMessageContaining(backup.toString())
                .hasMessageContaining("not valid JSON");
        // the documented way out works: the backup is a good state
        Files.copy(backup, state, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        try (RouterHarness again = RouterHarness.start(dir)) {
            assertThat(again.admin().route("web")).isPresent();
        }
    }

    @Test
    void aDeeplyNestedStateFileStopsTheStartLikeAnyCorruptOne() throws Exception {
        Path state = dir.resolve(StateFile.NAME);
        Files.writeString(state, "{\"format\": 1, \"routes\": [" + "{\"stable\": [".repeat(5_000));
        assertThatThrownBy(() -> RouterHarness.start(dir))
                .isInstanceOf(CorruptStateException.class)
                .hasMessageStartingWith("state file " + state + " cannot be used: it is not valid JSON at line 1, column ")
                .hasMessageContaining("nesting depth")
                .hasMessageContaining("there is no backup; fix or remove " + state);
    }
}
