package io.glidepath.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.journal.EventJson;
import io.glidepath.server.api.ServerApi;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's policy over HTTP: a release waits for approval (nothing of it runs), its submitter's
 * own approval and the server's own token are refused, a second named deployer approves it and it
 * deploys; then the policy file is edited while the server runs (a closed deploy window): a deployer is
 * refused naming the window, only an admin overrides it with a reason, journaled and audited; a bad edit
 * keeps the last good policy.
 */
class PolicyEndToEndTest {
    @TempDir
    Path tmp;

    @Test
    void approvalByASecondTokenAndAClosedWindowOverriddenByAnAdmin() throws Exception {
        Path policy = tmp.resolve("server/policy.yaml");
        Files.createDirectories(policy.getParent());
        Files.writeString(policy, """
                approvals:
                  - name: shop-two-people
                    services: [shop]
                    timeout: 10m
                """);
        try (Stack stack = Stack.start(tmp)) {
            String alice = token(stack, "alice", "deployer");
            String bob = token(stack, "bob", "deployer");

            HttpResponse<String> submitted = call(stack, alice, "POST", "/v1/releases", Stack.release("v1", Map.of(), ""));
            assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(202);
            JsonNode rec = json(submitted);
            String id = rec.path("id").asText();
            assertThat(rec.path("policy").path("approvals").findValuesAsText("rule")).containsExactly("shop-two-people");
            await().atMost(Duration.ofSeconds(10)).until(() -> stack.get("/v1/releases/" + id).path("state").asText().equals("AWAITING_APPROVAL"));
            assertThat(stack.get("/v1/releases/" + id).path("approvalDeadline").asText()).isNotEmpty();
            assertThat(stack.get("/v1/services").path("services").toString()).as("nothing runs before the approval").doesNotContain("\"shop\"");

            HttpResponse<String> own = call(stack, alice, "POST", "/v1/releases/" + id + "/approve", "{\"reason\": \"looks fine to me\"}");
            assertThat(own.statusCode()).isEqualTo(403);
            assertThat(json(own).path("error").asText()).isEqualTo("alice submitted release " + id + ": someone else with the deployer role must approve it");
            HttpResponse<String> serverToken = call(stack, stack.token, "POST", "/v1/releases/" + id + "/approve", null);
            assertThat(serverToken.statusCode()).isEqualTo(403);
            assertThat(json(serverToken).path("error").asText()).startsWith("approvals need a named token");
            assertThat(call(stack, bob, "POST", "/v1/releases/" + id + "/approve", "{\"reason\": 5}").statusCode()).isEqualTo(400);

            HttpResponse<String> approved = call(stack, bob, "POST", "/v1/releases/" + id + "/approve", "{\"reason\": \"checked the diff\"}");
            assertThat(approved.statusCode()).as(approved.body()).isEqualTo(202);
            assertThat(stack.awaitEnd(id, Duration.ofSeconds(90)).path("state").asText()).isEqualTo("PROMOTED");
            List<JsonNode> events = stack.events(id);
            assertThat(events).filteredOn(e -> e.path("kind").asText().equals("approval")).extracting(e -> e.path("state").asText())
                    .containsExactly("WAITING", "APPROVED");
            assertThat(events).filteredOn(e -> e.path("state").asText().equals("APPROVED")).singleElement()
                    .satisfies(e -> assertThat(e.path("message").asText()).isEqualTo("approved by bob: checked the diff"));
            assertThat(call(stack, bob, "POST", "/v1/releases/" + id + "/approve", null).statusCode()).as("it ended").isEqualTo(409);
            // its sign-off report: the approval, by whom and why, and who did what
            JsonNode report = json(call(stack, alice, "GET", "/v1/releases/" + id + "/report", null));
            assertThat(report.at("/release/state").asText()).isEqualTo("PROMOTED");
            assertThat(report.at("/policy/approval/state").asText()).isEqualTo("APPROVED");
            assertThat(report.at("/policy/approval/by").asText()).isEqualTo("bob");
            assertThat(report.at("/policy/approval/reason").asText()).isEqualTo("checked the diff");
            assertThat(report.path("people").findValuesAsText("who")).containsExactly("alice", "bob");

            // a window closed now, in UTC, every day: the server reads the edit without a restart
            LocalTime now = LocalTime.now(ZoneOffset.UTC);
            Files.writeString(policy, """
                    windows:
                      - name: freeze
                        from: "%s"
                        to: "%s"
                        zone: UTC
                    """.formatted(hhmm(now.minusHours(1)), hhmm(now.plusHours(1))));
            // what plan asks: the window, closed now, and when it opens
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
                    .until(() -> json(call(stack, alice, "POST", "/v1/policy/assess", Stack.release("v1", Map.of(), ""))).path("closed").has("opens"));
            JsonNode assessed = json(call(stack, alice, "POST", "/v1/policy/assess", Stack.release("v1", Map.of(), "")));
            assertThat(assessed.path("windows").get(0).path("open").asBoolean()).isFalse();
            assertThat(assessed.path("policy").asText()).isEqualTo(policy.toString());
            // a bad edit: the last good policy stays
            ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
                    io.glidepath.server.policy.PolicyFile.class);
            ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logs = new ch.qos.logback.core.read.ListAppender<>();
            logs.start();
            log.addAppender(logs);
            Files.writeString(policy, "windows:\n  - name: freeze\n    form: nope\n");
            await().atMost(Duration.ofSeconds(15)).until(() -> logs.list.stream().anyMatch(e -> e.getFormattedMessage()
                    .contains(policy + ":3:5: windows[0].form: unknown field \"form\"; did you mean \"from\"?")
                    && e.getFormattedMessage().contains("the server keeps its last good policy")));
            log.detachAppender(logs);
            HttpResponse<String> refused = call(stack, alice, "POST", "/v1/releases", Stack.release("v1", Map.of(), ""));
            assertThat(refused.statusCode()).isEqualTo(409);
            assertThat(json(refused).path("error").asText()).startsWith("deploy window 'freeze' (no releases ").contains("is closed until",
                    "--override-window");
            assertThat(json(refused).path("window").asText()).isEqualTo("freeze");

            HttpResponse<String> noAdmin = call(stack, alice, "POST", "/v1/releases?overrideWindow=true&reason=hotfix", Stack.release("v1", Map.of(), ""));
            assertThat(noAdmin.statusCode()).isEqualTo(403);
            assertThat(json(noAdmin).path("error").asText()).isEqualTo("overriding deploy window 'freeze' needs the admin role; token 'alice' has the "
                    + "deployer role");
            assertThat(call(stack, stack.token, "POST", "/v1/releases?overrideWindow=true", Stack.release("v1", Map.of(), "")).statusCode())
                    .as("a reason is required").isEqualTo(400);
            String reason = "incident 42: the fix must go out";
            HttpResponse<String> overridden = call(stack, stack.token, "POST", "/v1/releases?overrideWindow=true&reason="
                    + URLEncoder.encode(reason, StandardCharsets.UTF_8), Stack.release("v1", Map.of(), ""));
            assertThat(overridden.statusCode()).as(overridden.body()).isEqualTo(202);
            String second = json(overridden).path("id").asText();
            stack.awaitEnd(second, Duration.ofSeconds(60));
            assertThat(stack.events(second)).filteredOn(e -> e.path("kind").asText().equals("policy")).singleElement()
                    .satisfies(e -> assertThat(e.path("override").asText()).contains("closed window 'freeze'").endsWith(": " + reason));
            // the override in its sign-off report: the policy's section and who did what
            String md = call(stack, stack.token, "GET", "/v1/releases/" + second + "/report?format=markdown", null).body();
            assertThat(md).contains("- **Deploy window:** overridden by server.token (token server.token, closed window 'freeze' until ")
                    .contains("| server.token | overrode the closed deploy window (token server.token, closed window 'freeze' until ")
                    .contains("): " + reason + " |");

            JsonNode audit = stack.get("/v1/audit?limit=100");
            assertThat(audit.path("entries").isMissingNode() ? audit.toString() : audit.path("entries").toString())
                    .contains("release.approve").contains("deploy window overridden by").contains(reason);
        }
    }

    private static String hhmm(LocalTime t) {
        return String.format("%02d:%02d", t.getHour(), t.getMinute());
    }

    private static String token(Stack stack, String name, String role) throws Exception {
        HttpResponse<String> made = call(stack, stack.token, "POST", "/v1/tokens", "{\"name\": \"" + name + "\", \"role\": \"" + role + "\"}");
        assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
        return json(made).path("token").asText();
    }

    private static HttpResponse<String> call(Stack stack, String token, String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(stack.api(path)).header(ServerApi.FILE_HEADER, "shop.yaml")
                .header(ServerApi.BASE_DIR_HEADER, stack.data.toAbsolutePath().toString())
                .header("Authorization", "Bearer " + token)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return stack.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return EventJson.MAPPER.readTree(r.body());
    }
}
