package io.glidepath.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.testkit.load.LoadGenerator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shadow traffic through the engine: a canary whose first step mirrors copies of users' requests to
 * it. A version that fails only once real traffic reaches it (its smoke tests pass) is rolled back
 * while mirrored, with no user ever served by it; a good one goes on to its weight steps.
 */
@Execution(ExecutionMode.CONCURRENT) // the second lane, beside the other classes: junit-platform.properties
@ResourceLock("second-lane")
class MirrorReleaseEndToEndTest {
    private static final Duration MAX = Duration.ofSeconds(90);
    private static final String MIRROR_FIRST = "    strategy: canary\n    steps: [{mirror: 50%}, {bake: 4s}, {weight: 30}, {bake: 2s}]\n";

    @TempDir
    Path tmp;
    Stack stack;
    LoadGenerator load;

    @AfterEach
    void stop() throws Exception {
        if (load != null) {
            load.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void aVersionFailingOnRealTrafficIsRolledBackWhileMirroredAndNoUserIsServedByIt() throws Exception {
        stack = Stack.start(tmp.resolve("glidepath"));
        assertThat(stack.awaitEnd(stack.submit(Stack.release("v1", Map.of(), "")), MAX).path("state").asText()).isEqualTo("PROMOTED");
        load = stack.load(8, 200);
        await().atMost(Duration.ofSeconds(10)).until(() -> load.requestCount() > 200);

        // passes its smoke tests, then every request fails: what only real traffic finds
        String bad = stack.submit(Stack.release("v2", Map.of("ERROR_RATE", "100%", "ERROR_AFTER_REQUESTS", "10"), MIRROR_FIRST));
        JsonNode end = stack.awaitEnd(bad, MAX);
        assertThat(end.path("state").asText()).isEqualTo("ROLLED_BACK");
        assertThat(end.path("reason").asText()).contains("analysis failed");
        assertThat(stack.events(bad)).extracting(e -> e.path("message").asText())
                .anyMatch(m -> m.startsWith("mirroring 50% of the requests to v2"))
                .noneMatch(m -> m.startsWith("canary v2 at 30%"));
        assertThat(load.snapshot().byVersion()).as("no user was served by v2").doesNotContainKey("v2");
        assertThat(load.failures()).as("users saw no failure: only copies reached v2").isEmpty();

        // a good version: mirrored, then weighted, then promoted
        String good = stack.submit(Stack.release("v3", Map.of(), MIRROR_FIRST));
        assertThat(stack.awaitEnd(good, MAX).path("state").asText()).isEqualTo("PROMOTED");
        assertThat(stack.events(good)).extracting(e -> e.path("message").asText())
                .anyMatch(m -> m.startsWith("step 2 of 4 done: baked 4s mirroring 50%"))
                .anyMatch(m -> m.startsWith("canary v3 at 30%"));
        long served = load.snapshot().byVersion().getOrDefault("v3", 0L);
        await().atMost(Duration.ofSeconds(10)).until(() -> load.snapshot().byVersion().getOrDefault("v3", 0L) > served + 100);
        assertThat(load.failures()).isEmpty();
    }
}
