package io.glidepath.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.route.RouteJson;
import org.junit.jupiter.api.Test;

/** The README's main job, run the way a user runs it (as a process), checked by its JSON totals. */
class DemoTest {
    @Test
    void theDemoMovesTrafficBothWaysWithoutOneFailedRequestAndLeavesNothingRunning() throws Exception {
        try (CliProcess demo = CliProcess.start("demo", "--step", "1s", "--output", "json")) {
            int code = demo.waitFor(120);
            assertThat(code).as("exit code; stderr:\n" + demo.err()).isZero();
            JsonNode r = RouteJson.MAPPER.readTree(demo.out());
            assertThat(r.path("failed").asLong()).isZero();
            assertThat(r.path("requests").asLong()).isGreaterThan(1_000);
            assertThat(r.path("byVersion").path("v1").asLong()).isPositive();
            assertThat(r.path("byVersion").path("v2").asLong()).isPositive();
            assertThat(r.path("steps")).hasSize(8);
            JsonNode full = r.path("steps").get(4);
            assertThat(full.path("canaryWeight").asInt()).isEqualTo(10_000);
            assertThat(full.path("v2").asLong()).as("at 100% v2 serves nearly everything").isGreaterThan(full.path("requests").asLong() * 9 / 10);
            assertThat(r.path("steps").get(7).path("v2").asLong()).as("back at 0%: v1 only").isLessThanOrEqualTo(2);
            assertThat(r.path("router").path("status5xx").asLong()).isZero();
            assertThat(demo.err()).contains("step 8/8").contains("stopped the router and both services");
            // every child is gone: none of this process's descendants remain
            assertThat(demo.process.descendants().filter(ProcessHandle::isAlive).count()).isZero();
        }
    }
}
