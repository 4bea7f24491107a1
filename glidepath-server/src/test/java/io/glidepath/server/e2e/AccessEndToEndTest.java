package io.glidepath.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.journal.EventJson;
import io.glidepath.server.api.ServerApi;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Named tokens and roles on the real server: what each role may do, 403s naming the role needed,
 * revocation taking effect at once, the audit log of every changing call (denied ones too), and
 * tokens kept out of the store, the logs and the events.
 */
class AccessEndToEndTest {
    @TempDir
    Path tmp;

    @Test
    void rolesRevocationAndTheAuditLog() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        root.addAppender(logs);
        try (Stack stack = Stack.start(tmp)) {
            // the server's own token is an admin: it makes the named ones
            HttpResponse<String> made = call(stack, stack.token, "POST", "/v1/tokens", "{\"name\": \"dash\", \"role\": \"viewer\"}");
            assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
            String viewer = json(made).path("token").asText();
            assertThat(viewer).startsWith("gpt_").hasSizeGreaterThan(40);
            String deployer = json(call(stack, stack.token, "POST", "/v1/tokens", "{\"name\": \"ci-bot\", \"role\": \"deployer\"}")).path("token").asText();
            String admin = json(call(stack, stack.token, "POST", "/v1/tokens", "{\"name\": \"ops\", \"role\": \"admin\"}")).path("token").asText();

            // viewer: reads, nothing else
            assertThat(call(stack, viewer, "GET", "/v1/releases", null).statusCode()).isEqualTo(200);
            assertThat(json(call(stack, viewer, "GET", "/v1/whoami", null)).toString()).isEqualTo("{\"token\":\"dash\",\"role\":\"viewer\"}");
            HttpResponse<String> denied = call(stack, viewer, "POST", "/v1/releases", Stack.release("v1", Map.of(), ""));
            assertThat(denied.statusCode()).isEqualTo(403);
            assertThat(json(denied).path("error").asText()).isEqualTo("this call needs the deployer role; token 'dash' has the viewer role");
            assertThat(json(call(stack, viewer, "POST", "/v1/tokens", "{\"name\": \"x\", \"role\": \"admin\"}")).path("error").asText())
                    .isEqualTo("this call needs the admin role; token 'dash' has the viewer role");
            assertThat(call(stack, viewer, "POST", "/v1/releases/nope/abort", null).statusCode()).isEqualTo(403);

            // deployer: deploys and aborts under its own name, but does not manage tokens or read the audit log
            HttpResponse<String> submitted = call(stack, deployer, "POST", "/v1/releases", Stack.release("v1", Map.of(), ""));
            assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(202);
            String release = json(submitted).path("id").asText();
            assertThat(json(submitted).path("submittedBy").asText()).isEqualTo("ci-bot");
            assertThat(call(stack, deployer, "POST", "/v1/releases/" + release + "/abort", null).statusCode()).isEqualTo(202);
            assertThat(stack.awaitEnd(release, Duration.ofSeconds(60)).path("state").asText()).isIn("ROLLED_BACK", "CANCELLED");
            assertThat(json(call(stack, deployer, "GET", "/v1/tokens", null)).path("error").asText()).contains("needs the admin role");
            // the server's Prometheus figures, for any role
            HttpResponse<String> metrics = call(stack, deployer, "GET", "/metrics", null);
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).contains("glidepath_releases_total{outcome=\"" + stack.get("/v1/releases/" + release).path("state").asText()
                    .toLowerCase(java.util.Locale.ROOT) + "\"} 1.0").contains("glidepath_releases_running 0.0");
            assertThat(call(stack, null, "GET", "/metrics", null).statusCode()).isEqualTo(401);
            assertThat(call(stack, deployer, "GET", "/v1/audit", null).statusCode()).isEqualTo(403);

            // bad bodies: every bad field with its pointer, nothing made
            HttpResponse<String> bad = call(stack, admin, "POST", "/v1/tokens", "{\"name\": \"Bad Name\", \"role\": \"boss\", \"ttl\": 5}");
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(json(bad).path("errors").findValuesAsText("pointer")).containsExactlyInAnyOrder("/ttl", "/name", "/role");
            assertThat(json(bad).path("errors").toString()).contains("viewer, deployer or admin").contains("lower-case letters");
            assertThat(call(stack, admin, "POST", "/v1/tokens", "[1]").statusCode()).isEqualTo(400);
            assertThat(call(stack, admin, "POST", "/v1/tokens", "{\"name\": \"dash\", \"role\": \"admin\"}").statusCode())
                    .as("names are unique").isEqualTo(409);

            // revocation takes effect on the next call; revoked names stay taken
            assertThat(call(stack, admin, "DELETE", "/v1/tokens/dash", null).statusCode()).isEqualTo(200);
            assertThat(call(stack, viewer, "GET", "/v1/releases", null).statusCode()).isEqualTo(401);
            assertThat(call(stack, admin, "DELETE", "/v1/tokens/dash", null).statusCode()).isEqualTo(409);
            assertThat(call(stack, admin, "DELETE", "/v1/tokens/ghost", null).statusCode()).isEqualTo(404);
            assertThat(call(stack, admin, "DELETE", "/v1/tokens/server.token", null).statusCode()).isEqualTo(400);
            assertThat(json(call(stack, admin, "POST", "/v1/tokens", "{\"name\": \"dash\", \"role\": \"viewer\"}")).path("error").asText())
                    .contains("existed (revoked");
            JsonNode list = json(call(stack, admin, "GET", "/v1/tokens", null));
            assertThat(list.path("tokens").findValuesAsText("name")).containsExactly("server.token", "dash", "ci-bot", "ops");
            assertThat(list.toString()).doesNotContain(viewer).doesNotContain(deployer).doesNotContain("digest");

            // no token, or a wrong one
            assertThat(call(stack, null, "GET", "/v1/releases", null).statusCode()).isEqualTo(401);
            assertThat(call(stack, "gpt_guess", "POST", "/v1/releases/" + release + "/promote", null).statusCode()).isEqualTo(401);

            // the audit log: every changing call, allowed or not, with the token's name and the result
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                List<String> lines = entries(stack, admin);
                assertThat(lines).contains(
                        "server.token token.create dash 201 created with role viewer",
                        "dash release.submit shop.yaml 403 this call needs the deployer role; token 'dash' has the viewer role",
                        "ci-bot release.submit " + release + " 202 RUNNING",
                        "ci-bot release.abort " + release + " 202 abort sent",
                        "ops token.create Bad Name 400 /ttl: unknown field; a token has a name and a role",
                        "ops token.create dash 409 a token named 'dash' exists; names are never reused, choose another",
                        "dash token.create null 403 this call needs the admin role; token 'dash' has the viewer role",
                        "ops token.revoke dash 200 revoked",
                        "ops token.revoke ghost 404 no token named 'ghost'; glidepath token list shows them",
                        "- unauthenticated POST /v1/releases/" + release + "/promote 401 missing, wrong or revoked bearer token: send 'Authorization: "
                                + "Bearer <token>' with the server's server.token or a token from glidepath token create");
                assertThat(lines).noneMatch(l -> l.contains("GET"));
            });
            JsonNode first = json(call(stack, admin, "GET", "/v1/audit?limit=1", null)).path("entries");
            assertThat(first).hasSize(1);
            assertThat(first.get(0).path("remote").asText()).isEqualTo("127.0.0.1");
            assertThat(call(stack, admin, "GET", "/v1/audit?limit=0", null).statusCode()).isEqualTo(400);

            // the secrets are nowhere: not in the store (only digests), the events or the logs
            String events = stack.events(release).toString();
            for (String secret : List.of(viewer, deployer, admin, stack.token)) {
                assertThat(events).doesNotContain(secret);
                assertThat(logs.list).noneMatch(e -> e.getFormattedMessage().contains(secret)
                        || (e.getThrowableProxy() != null && String.valueOf(e.getThrowableProxy().getMessage()).contains(secret)));
                try (Stream<Path> files = Files.list(tmp.resolve("server"))) {
                    for (Path f : files.filter(f -> f.getFileName().toString().startsWith("glidepath.db")).toList()) {
                        assertThat(new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1)).as(f.toString())
                                .doesNotContain(secret);
                    }
                }
            }
            assertThat(logs.list).as("the server logged while it ran").isNotEmpty();
        } finally {
            root.detachAppender(logs);
        }
    }

    private static List<String> entries(Stack stack, String admin) throws Exception {
        return java.util.stream.StreamSupport.stream(json(call(stack, admin, "GET", "/v1/audit?limit=1000", null)).path("entries").spliterator(), false)
                .map(e -> e.path("token").asText() + " " + e.path("action").asText() + " " + e.path("target").asText() + " "
                        + e.path("status").asInt() + " " + e.path("result").asText())
                .toList();
    }

    private static HttpResponse<String> call(Stack stack, String token, String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(stack.api(path)).header(ServerApi.FILE_HEADER, "shop.yaml")
                .header(ServerApi.BASE_DIR_HEADER, stack.data.toAbsolutePath().toString())
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return stack.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return EventJson.MAPPER.readTree(r.body());
    }
}
