package io.glidepath.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The shared failure answers on a real Vert.x server: whatever a handler throws or fails with, the
 * client gets JSON with a message (never null, never a stack trace), with a 4xx for its own mistakes.
 */
class FailuresTest {
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    static Vertx vertx;
    static HttpServer server;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        Router r = Router.router(vertx);
        r.route().handler(JsonBodies.handler(1024));
        r.get("/no-message").handler(ctx -> {
            throw new IllegalStateException();
        });
        r.get("/overflow").handler(ctx -> {
            throw new StackOverflowError();
        });
        r.get("/wrapped").handler(ctx -> ctx.fail(new RuntimeException(null, new IllegalArgumentException("the real reason"))));
        r.get("/with-message").handler(ctx -> ctx.fail(new IllegalStateException("the disk is full")));
        r.get("/client-mistake").handler(ctx -> ctx.fail(400));
        r.get("/null-error").handler(ctx -> JsonApi.error(ctx, 409, null));
        r.post("/json").handler(ctx -> JsonBodies.read(ctx, null).ifPresent(n -> JsonApi.json(ctx, 200, n)));
        r.route().failureHandler(Failures.handler(LoggerFactory.getLogger(FailuresTest.class), "test API", "the body is larger than 1 KiB"));
        server = VertxServers.await(vertx.createHttpServer().requestHandler(r).listen(0, "127.0.0.1"), "the test API did not start");
    }

    @AfterAll
    static void stop() throws Exception {
        VertxServers.close(server, vertx);
    }

    @Test
    void anExceptionWithoutAMessageIsA500NamingIt() throws Exception {
        HttpResponse<String> r = call("GET", "/no-message", null);
        assertThat(r.statusCode()).isEqualTo(500);
        assertThat(error(r)).isEqualTo("internal error: IllegalStateException");
        assertThat(r.body()).doesNotContain("\tat ").doesNotContain("null");
        assertThat(r.headers().firstValue("Content-Type")).contains("application/json");
    }

    @Test
    void anErrorSuchAsAStackOverflowIsA500NamingIt() throws Exception {
        HttpResponse<String> r = call("GET", "/overflow", null);
        assertThat(r.statusCode()).isEqualTo(500);
        assertThat(error(r)).isEqualTo("internal error: StackOverflowError");
    }

    @Test
    void aWrapperWithoutAMessageSaysItsCause() throws Exception {
        HttpResponse<String> r = call("GET", "/wrapped", null);
        assertThat(error(r)).isEqualTo("internal error: RuntimeException: the real reason");
        assertThat(error(call("GET", "/with-message", null))).isEqualTo("internal error: the disk is full");
    }

    @Test
    void aClientMistakeKeepsItsStatus() throws Exception {
        HttpResponse<String> r = call("GET", "/client-mistake", null);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(error(r)).isEqualTo("bad request");
    }

    @Test
    void anErrorAnswerWithoutAMessageGetsTheStatusWords() throws Exception {
        HttpResponse<String> r = call("GET", "/null-error", null);
        assertThat(r.statusCode()).isEqualTo(409);
        assertThat(error(r)).isEqualTo("conflict");
    }

    @Test
    void aBodyOverTheLimitIs413WithTheApisMessage() throws Exception {
        HttpResponse<String> r = call("POST", "/json", "[" + "1,".repeat(1000) + "1]");
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(error(r)).isEqualTo("the body is larger than 1 KiB");
    }

    @Test
    void aDeeplyNestedBodyIs400WithItsLocation() throws Exception {
        HttpResponse<String> r = call("POST", "/json", "[".repeat(1000));
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode e = MAPPER.readTree(r.body()).path("errors").get(0);
        assertThat(e.path("message").asText()).startsWith("the body nests deeper than 64 levels at line 1, column 66");
        assertThat(e.path("pointer").asText()).startsWith("/0/0/");
        assertThat(call("POST", "/json", "[[1]]").statusCode()).isEqualTo(200);
    }

    private static String error(HttpResponse<String> r) throws Exception {
        JsonNode e = MAPPER.readTree(r.body()).path("error");
        assertThat(e.isTextual()).as(r.body()).isTrue();
        return e.asText();
    }

    private static HttpResponse<String> call(String method, String path, String body) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + path)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build();
        return http.send(req, HttpResponse.BodyHandlers.ofString());
    }
}
