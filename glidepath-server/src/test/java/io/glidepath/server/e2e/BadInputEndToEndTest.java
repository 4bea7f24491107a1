package io.glidepath.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.journal.EventJson;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bodies built to hurt the real server's API: nested thousands of levels deep, larger than the
 * limit, or release files that exhaust the release reader. Each gets a 4xx whose error says what is
 * wrong (never null, never a stack trace), and nothing is made or started.
 */
@Execution(ExecutionMode.CONCURRENT) // the second lane, beside the other classes: junit-platform.properties
@ResourceLock("second-lane")
class BadInputEndToEndTest {
    @TempDir
    Path data;

    @Test
    void deepOrHugeBodiesGetA4xxWithAMessageAndChangeNothing() throws Exception {
        try (Stack stack = Stack.start(data)) {
            // a JSON body nested thousands of levels deep: 400 at its line and column, and the pointer where it got too deep
            HttpResponse<String> token = call(stack, "POST", "/v1/tokens", "{\"name\": " + "[".repeat(20_000));
            assertThat(token.statusCode()).as(token.body()).isEqualTo(400);
            JsonNode error = json(token).path("errors").get(0);
            assertThat(error.path("message").asText()).startsWith("the body nests deeper than 64 levels at line 1, column ")
                    .endsWith("send a JSON object such as {\"name\": \"ci-bot\", \"role\": \"deployer\"}");
            assertThat(error.path("pointer").asText()).startsWith("/name/0/0/");
            HttpResponse<String> objects = call(stack, "POST", "/v1/tokens", "{\"a\":\n".repeat(5_000));
            assertThat(objects.statusCode()).isEqualTo(400);
            assertThat(json(objects).path("errors").get(0).path("message").asText()).contains("at line 65, column ");
            assertThat(json(call(stack, "GET", "/v1/tokens", null)).path("tokens")).hasSize(1);

            // release files nested thousands of levels deep (flow YAML, JSON): the reader's failure is the file's, 400 with a message
            for (String file : new String[] {"[".repeat(20_000), "{a: ".repeat(20_000), "{\"services\": " + "[".repeat(20_000)}) {
                HttpResponse<String> submitted = call(stack, "POST", "/v1/releases", file);
                assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(400);
                assertThat(json(submitted).path("error").isTextual()).as(submitted.body()).isTrue();
                assertThat(json(submitted).path("error").asText()).as(submitted.body()).isNotBlank().contains("nothing was started");
                assertThat(submitted.body()).doesNotContain("\\tat ").doesNotContain("Exception");
            }
            assertThat(json(call(stack, "GET", "/v1/releases", null)).path("releases")).isEmpty();

            // larger than the limit, or nowhere: JSON answers with a message
            HttpResponse<String> huge = call(stack, "POST", "/v1/releases", "#".repeat(5 << 20));
            assertThat(huge.statusCode()).isEqualTo(413);
            assertThat(json(huge).path("error").asText()).isEqualTo("the release file is larger than 4 MiB");
            HttpResponse<String> nowhere = call(stack, "GET", "/v1/nowhere", null);
            assertThat(nowhere.statusCode()).isEqualTo(404);
            assertThat(json(nowhere).path("error").asText()).isEqualTo("no such endpoint: GET /v1/nowhere");
        }
    }

    @Test
    void aReleaseIdThatExistsIsRefusedSayingSoWithoutNamingAHolder() throws Exception {
        try (Stack stack = Stack.start(data)) {
            String file = "release: shop-1\n" + Stack.release("v1", java.util.Map.of(), "");
            assertThat(stack.awaitEnd(stack.submit(file), java.time.Duration.ofSeconds(60)).path("state").asText()).isEqualTo("PROMOTED");
            HttpResponse<String> again = call(stack, "POST", "/v1/releases", file);
            assertThat(again.statusCode()).isEqualTo(409);
            assertThat(json(again).path("error").asText()).isEqualTo("release shop-1 already exists; name the new one differently or leave "
                    + "'release:' out");
            assertThat(json(again).has("holder")).as("no release holds anything: the id is taken").isFalse();
        }
    }

    @Test
    void aReleaseReadingPrometheusWithNoUrlAnywhereIsRefusedWhereItsQueriesStand() throws Exception {
        try (Stack stack = Stack.start(data)) { // a server started without --prometheus
            String file = """
                    services:
                      - name: shop
                        version: v1
                        run: {command: [shop]}
                        route: {pathPrefix: /}
                        analysis:
                          interval: 5s
                          metrics:
                            prometheus:
                              requests: 'sum(increase(glidepath_router_requests_total{route="{{service}}",track="{{track}}"}[{{window}}]))'
                              errors: 'sum(increase(glidepath_router_requests_total{route="{{service}}",track="{{track}}",class="5xx"}[{{window}}]))'
                    """;
            HttpResponse<String> refused = call(stack, "POST", "/v1/releases", file);
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
            assertThat(refused.body()).contains("release.yaml:10:11: services[0].analysis.metrics.prometheus.url: is not set, and this server was "
                    + "started without --prometheus: name Prometheus here (url: http://HOST:9090), or start the server with --prometheus URL");
            assertThat(json(call(stack, "GET", "/v1/releases", null)).path("releases")).as("nothing was made").isEmpty();
        }
    }

    private static HttpResponse<String> call(Stack stack, String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(stack.api(path)).header("Authorization", "Bearer " + stack.token)
                .header(io.glidepath.server.api.ServerApi.BASE_DIR_HEADER, stack.data.toAbsolutePath().toString())
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return stack.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return EventJson.MAPPER.readTree(r.body());
    }
}
