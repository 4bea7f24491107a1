package io.glidepath.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.journal.EventJson;
import io.glidepath.journal.Outcome;
import io.glidepath.journal.ReleaseEvent;
import io.glidepath.journal.RollbackCause;
import io.glidepath.server.Server;
import io.glidepath.server.store.JdbcStore;
import io.glidepath.store.ReleaseRecord;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.io.TempDir;

/**
 * The risk score over HTTP, from the server's own store: a service with no history is low risk and its
 * {@code strategy: auto} becomes blue-green, journaled and deployed; a service whose recent releases
 * its analysis rolled back is high risk: plan's assessment says so in words, its {@code strategy: auto}
 * becomes the slow canary, and the policy's approval rule on risk holds it for approval.
 */
@Execution(ExecutionMode.CONCURRENT) // the second lane, beside the other classes: junit-platform.properties
@ResourceLock("second-lane")
class RiskEndToEndTest {
    @TempDir
    Path tmp;

    @Test
    void autoBecomesBlueGreenForAQuietServiceAndASlowCanaryWithAnApprovalForAFailingOne() throws Exception {
        Path policy = tmp.resolve("server/policy.yaml");
        Files.createDirectories(policy.getParent());
        Files.writeString(policy, """
                risk: {zone: Europe/Berlin}
                approvals:
                  - {name: risky, risk: high, timeout: 10m}
                """);
        try (Stack stack = Stack.start(tmp)) {
            // nothing in the store yet: the prior alone, low at any hour
            String quiet = Stack.release("q1", Map.of(), "    strategy: auto\n").replace("name: shop", "name: quiet");
            HttpResponse<String> first = stack.post("/v1/releases", quiet);
            assertThat(first.statusCode()).as(first.body()).isEqualTo(202);
            JsonNode answer = EventJson.MAPPER.readTree(first.body());
            assertThat(answer.path("risk").path("level").asText()).isEqualTo("low");
            assertThat(answer.path("risk").path("zone").asText()).isEqualTo("Europe/Berlin");
            assertThat(answer.path("policy").path("approvals")).isEmpty();
            String id = answer.path("id").asText();
            assertThat(stack.awaitEnd(id, Duration.ofSeconds(90)).path("state").asText()).isEqualTo("PROMOTED");
            assertThat(stack.events(id)).filteredOn(e -> e.path("kind").asText().equals("strategy")).singleElement().satisfies(e -> {
                assertThat(e.path("service").asText()).isEqualTo("quiet");
                assertThat(e.path("strategy").asText()).isEqualTo("BLUE_GREEN");
                assertThat(e.path("level").asText()).isEqualTo("low");
                assertThat(e.path("message").asText()).startsWith("strategy: auto for quiet is blue-green: risk low (")
                        .contains("nothing of quiet runs yet");
            });
            assertThat(stack.get("/v1/releases/" + id).path("changes").get(0).path("strategy").asText()).isEqualTo("blueGreen");

            // shop's last releases: its analysis rolled back four of six
            seed(Server.defaultDatabase(tmp));

            String shop = Stack.release("v9", Map.of(), "    strategy: auto\n");
            JsonNode assessed = EventJson.MAPPER.readTree(stack.post("/v1/policy/assess", shop).body());
            JsonNode risk = assessed.path("risk");
            assertThat(risk.path("level").asText()).as(risk.toPrettyString()).isEqualTo("high");
            assertThat(risk.path("history").path("releases").asInt()).isEqualTo(7);
            assertThat(risk.path("top").get(0).asText()).startsWith("4 rollbacks of shop in its last 6 releases (4 analysis): +");
            assertThat(risk.path("advice").path("summary").asText()).isEqualTo("high: canary 5% / 25% / 50% with 2m bakes, and an approval");
            assertThat(risk.path("advice").path("services").get(0).path("auto").asBoolean()).isTrue();
            assertThat(assessed.path("approvals").findValuesAsText("rule")).containsExactly("risky");

            HttpResponse<String> submitted = stack.post("/v1/releases", shop);
            assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(202);
            String risky = EventJson.MAPPER.readTree(submitted.body()).path("id").asText();
            await().atMost(Duration.ofSeconds(10)).until(() -> stack.get("/v1/releases/" + risky).path("state").asText().equals("AWAITING_APPROVAL"));
            List<JsonNode> events = stack.events(risky);
            assertThat(events).filteredOn(e -> e.path("kind").asText().equals("strategy")).singleElement().satisfies(e -> {
                assertThat(e.path("strategy").asText()).isEqualTo("CANARY");
                assertThat(e.path("weights").toString()).isEqualTo("[500,2500,5000]");
                assertThat(e.path("bakeMillis").asLong()).isEqualTo(120_000);
                assertThat(e.path("message").asText()).startsWith("strategy: auto for shop is canary 5% / 25% / 50% with 2m bakes: risk high (")
                        .contains("4 rollbacks of shop").contains("its analysis caught 4 regressions of shop before");
            });
            assertThat(events).filteredOn(e -> e.path("kind").asText().equals("policy")).singleElement()
                    .satisfies(e -> assertThat(e.path("approvalRules").toString()).isEqualTo("[\"risky\"]"));
            assertThat(stack.get("/v1/releases/" + risky).path("changes").get(0).path("strategy").asText()).isEqualTo("canary");
            assertThat(stack.post("/v1/releases/" + risky + "/abort", null).statusCode()).isEqualTo(202);
            assertThat(stack.awaitEnd(risky, Duration.ofSeconds(30)).path("state").asText()).isEqualTo("CANCELLED");
            // the score is journaled with the release, first, and its sign-off report says it
            assertThat(stack.events(risky).getFirst().path("kind").asText()).isEqualTo("risk");
            JsonNode report = stack.get("/v1/releases/" + risky + "/report");
            assertThat(report.at("/risk/level").asText()).isEqualTo("high");
            assertThat(report.at("/risk/factors/0").asText()).startsWith("4 rollbacks of shop in its last 6 releases (4 analysis): +");
            assertThat(report.at("/risk/advice").asText()).isEqualTo("high: canary 5% / 25% / 50% with 2m bakes, and an approval");
            assertThat(stack.getText("/v1/releases/" + risky + "/report?format=markdown")).contains("## Risk at submission\n", "- **Score:** high (",
                    "- **Advice:** high: canary 5% / 25% / 50% with 2m bakes, and an approval");
        }
    }

    /** Six releases of shop written into the store beside the running server: promoted, then four of five rolled back by their analysis. */
    private void seed(Path database) throws Exception {
        try (JdbcStore store = JdbcStore.sqlite(database)) {
            Instant start = Instant.now().minus(Duration.ofDays(3));
            boolean[] failed = {false, true, true, false, true, true};
            for (int i = 0; i < failed.length; i++) {
                String id = "shop-past-" + (i + 1);
                Instant at = start.plus(Duration.ofHours(6L * i));
                String source = Stack.release("v" + (i + 1), Map.of(), "");
                Outcome outcome = failed[i] ? Outcome.ROLLED_BACK : Outcome.PROMOTED;
                store.createRelease(new ReleaseRecord(id, "shop.yaml", source, tmp.toString(), List.of("shop"), "alice", at, Optional.of(outcome),
                        Optional.empty(), Optional.of(at.plusSeconds(300))));
                if (failed[i]) {
                    store.append(id, new ReleaseEvent.RollbackDecided(at.plusSeconds(200), "shop", "rolling back shop", "analysis failed",
                            RollbackCause.ANALYSIS));
                }
                store.append(id, new ReleaseEvent.Finished(at.plusSeconds(300), null, "release " + id + " ended", outcome, null,
                        failed[i] ? RollbackCause.ANALYSIS : null));
            }
        }
    }
}
