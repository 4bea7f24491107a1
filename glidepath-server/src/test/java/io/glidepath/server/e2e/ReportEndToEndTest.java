package io.glidepath.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.journal.EventJson;
import io.glidepath.server.api.ServerApi;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /v1/releases/{id}/report} on the real server: any token may read it (none: 401), JSON unless
 * Markdown is asked for (a query parameter, or Accept), 404 naming an unknown release, 400 for a format it
 * does not write; a release waiting for its approval gets a report marked in progress, and once aborted one
 * that says who aborted it. The release's policy keeps it waiting, so nothing is started here.
 */
@Execution(ExecutionMode.CONCURRENT) // the second lane, beside the other classes: junit-platform.properties
@ResourceLock("second-lane")
class ReportEndToEndTest {
    @TempDir
    Path tmp;

    @Test
    void anyReaderGetsTheReportAsJsonOrMarkdownInProgressThenFinal() throws Exception {
        Path policy = tmp.resolve("server/policy.yaml");
        Files.createDirectories(policy.getParent());
        Files.writeString(policy, "approvals:\n  - {name: shop-two-people, services: [shop], timeout: 10m}\n");
        try (Stack stack = Stack.start(tmp)) {
            String alice = token(stack, "alice", "deployer");
            String viewer = token(stack, "wall-screen", "viewer");
            HttpResponse<String> submitted = call(stack, alice, "POST", "/v1/releases", Stack.release("v1", Map.of(), ""), Map.of());
            assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(202);
            String id = EventJson.MAPPER.readTree(submitted.body()).path("id").asText();
            await().atMost(Duration.ofSeconds(10)).until(() -> stack.get("/v1/releases/" + id).path("state").asText().equals("AWAITING_APPROVAL"));
            String path = "/v1/releases/" + id + "/report";

            // a viewer reads it; JSON by default
            HttpResponse<String> json = call(stack, viewer, "GET", path, null, Map.of());
            assertThat(json.statusCode()).as(json.body()).isEqualTo(200);
            assertThat(json.headers().firstValue("Content-Type")).hasValue("application/json");
            JsonNode report = EventJson.MAPPER.readTree(json.body());
            assertThat(report.at("/release/id").asText()).isEqualTo(id);
            assertThat(report.at("/release/inProgress").asBoolean()).isTrue();
            assertThat(report.at("/release/state").asText()).isEqualTo("AWAITING_APPROVAL");
            assertThat(report.at("/policy/approvalRules/0").asText()).isEqualTo("shop-two-people");
            assertThat(report.at("/policy/approval/state").asText()).isEqualTo("WAITING");
            assertThat(report.at("/people/0/who").asText()).isEqualTo("alice");
            assertThat(report.at("/services/0/name").asText()).isEqualTo("shop");
            assertThat(report.at("/services/0/phase").asText()).isEqualTo("PENDING");

            // Markdown: asked with ?format=markdown, or an Accept that prefers it
            HttpResponse<String> md = call(stack, viewer, "GET", path + "?format=markdown", null, Map.of());
            assertThat(md.statusCode()).isEqualTo(200);
            assertThat(md.headers().firstValue("Content-Type")).hasValue("text/markdown; charset=utf-8");
            assertThat(md.body()).startsWith("# Sign-off report: release " + id + "\n\n> **In progress** (awaiting approval): ")
                    .contains("- **Approval rules:** shop-two-people; approval due by ").contains("- **Approval:** waiting until ")
                    .doesNotContain("\u001b");
            assertThat(call(stack, viewer, "GET", path, null, Map.of("Accept", "text/markdown")).body()).isEqualTo(md.body());
            assertThat(call(stack, viewer, "GET", path, null, Map.of("Accept", "text/markdown, application/json;q=0.5")).body()).isEqualTo(md.body());
            for (String accept : new String[] {"application/json", "*/*", "text/markdown;q=0.5, application/json", "text/html"}) {
                HttpResponse<String> r = call(stack, viewer, "GET", path, null, Map.of("Accept", accept));
                assertThat(r.headers().firstValue("Content-Type")).as(accept).hasValue("application/json");
            }
            assertThat(call(stack, viewer, "GET", path + "?format=json", null, Map.of("Accept", "text/markdown")).headers().firstValue("Content-Type"))
                    .as("the query parameter wins").hasValue("application/json");

            HttpResponse<String> bad = call(stack, viewer, "GET", path + "?format=pdf", null, Map.of());
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(error(bad)).isEqualTo("query parameter format must be json or markdown; got pdf");
            HttpResponse<String> unknown = call(stack, viewer, "GET", "/v1/releases/no-such-release/report", null, Map.of());
            assertThat(unknown.statusCode()).isEqualTo(404);
            assertThat(error(unknown)).isEqualTo("no release no-such-release; GET /v1/releases (glidepath history) lists the releases");
            assertThat(call(stack, null, "GET", path, null, Map.of()).statusCode()).isEqualTo(401);
            assertThat(call(stack, "gpt_not-a-token", "GET", path + "?format=markdown", null, Map.of()).statusCode()).isEqualTo(401);

            // aborted while it waited: the final report says who, and reads the same each time
            assertThat(call(stack, alice, "POST", "/v1/releases/" + id + "/abort", null, Map.of()).statusCode()).isEqualTo(202);
            assertThat(stack.awaitEnd(id, Duration.ofSeconds(30)).path("state").asText()).isEqualTo("CANCELLED");
            JsonNode done = EventJson.MAPPER.readTree(call(stack, viewer, "GET", path, null, Map.of()).body());
            assertThat(done.at("/release/inProgress").asBoolean()).isFalse();
            assertThat(done.at("/outcome/outcome").asText()).isEqualTo("CANCELLED");
            assertThat(done.at("/outcome/cause").asText()).isEqualTo("ABORTED");
            assertThat(done.at("/outcome/reason").asText()).isEqualTo("aborted by alice while it waited for approval; nothing was deployed");
            assertThat(done.path("people").toString()).contains("{\"at\":").contains("\"who\":\"alice\",\"what\":\"aborted the release (glidepath abort)\"");
            String finalMd = call(stack, viewer, "GET", path + "?format=markdown", null, Map.of()).body();
            assertThat(finalMd).doesNotContain("In progress").contains("- **Outcome:** cancelled (cause: aborted)")
                    .contains("| alice | aborted the release (glidepath abort) |");
            assertThat(call(stack, alice, "GET", path + "?format=markdown", null, Map.of()).body()).isEqualTo(finalMd);
        }
    }

    private static String token(Stack stack, String name, String role) throws Exception {
        HttpResponse<String> made = call(stack, stack.token, "POST", "/v1/tokens", "{\"name\": \"" + name + "\", \"role\": \"" + role + "\"}", Map.of());
        assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
        return EventJson.MAPPER.readTree(made.body()).path("token").asText();
    }

    private static HttpResponse<String> call(Stack stack, String token, String method, String path, String body, Map<String, String> headers)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(stack.api(path)).header(ServerApi.FILE_HEADER, "shop.yaml")
                .header(ServerApi.BASE_DIR_HEADER, stack.data.toAbsolutePath().toString())
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        headers.forEach(b::header);
        return stack.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String error(HttpResponse<String> r) throws Exception {
        return EventJson.MAPPER.readTree(r.body()).path("error").asText();
    }
}
