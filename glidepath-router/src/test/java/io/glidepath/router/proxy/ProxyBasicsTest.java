package io.glidepath.router.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.glidepath.http.ClientRequest;
import io.glidepath.http.ClientResponse;
import io.glidepath.http.HttpConnection;
import io.glidepath.route.RouteMatch;
import io.glidepath.route.RouteSpec;
import io.glidepath.router.testkit.Http;
import io.glidepath.router.testkit.RouterHarness;
import io.glidepath.router.testkit.SampleProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProxyBasicsTest {
    @TempDir
    static Path dir;
    static SampleProcess v1;
    static SampleProcess v2;
    static RouterHarness router;

    @BeforeAll
    static void start() throws Exception {
        v1 = SampleProcess.start("v1");
        v2 = SampleProcess.start("v2");
        router = RouterHarness.start(dir);
        router.route("web", List.of(v1.address()));
        router.admin().put(RouteSpec.of("api", new RouteMatch("api.example.com", "/"), List.of(v2.address())), OptionalLong.empty());
    }

    @AfterAll
    static void stop() throws Exception {
        router.close();
        v1.close();
        v2.close();
    }

    @Test
    void proxiesAGetToTheStableEndpoint() throws Exception {
        ClientResponse r = Http.get(router.port(), "/hello");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.bodyText()).isEqualTo("hello from sample v1\n");
        assertThat(r.header("X-Version")).contains("v1");
    }

    @Test
    void routesByHostBeforePath() throws Exception {
        ClientResponse r = Http.send(router.port(), ClientRequest.get("/").withHeader("Host", "api.example.com:8080"));
        assertThat(r.header("X-Version")).contains("v2");
        ClientResponse other = Http.send(router.port(), ClientRequest.get("/").withHeader("Host", "www.example.com"));
        assertThat(other.header("X-Version")).contains("v1");
    }

    @Test
    void setsForwardedHeadersAndRemovesHopByHopOnes() throws Exception {
        ClientResponse r = Http.send(router.port(), ClientRequest.get("/echo")
                .withHeader("Host", "shop.test")
                .withHeader("Connection", "keep-alive, X-Secret-Hop")
                .withHeader("X-Secret-Hop", "drop me")
                .withHeader("Keep-Alive", "timeout=5")
                .withHeader("X-Forwarded-For", "203.0.113.9"));
        assertThat(r.bodyText())
                .contains("x-forwarded-for: 203.0.113.9, 127.0.0.1")
                .contains("x-forwarded-proto: http")
                .contains("x-forwarded-host: shop.test")
                .doesNotContain("x-secret-hop")
                .doesNotContain("keep-alive: timeout");
    }

    @Test
    void keepsTheClientConnectionAliveAcrossManyRequests() throws Exception {
        try (HttpConnection c = HttpConnection.open("127.0.0.1", router.port(), Duration.ofSeconds(5), Duration.ofSeconds(5))) {
            for (int i = 0; i < 200; i++) {
                ClientResponse r = c.send(ClientRequest.get("/n/" + i));
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.connectionClosing()).isFalse();
            }
        }
    }

    @Test
    void streamsARequestBodyToTheBackend() throws Exception {
        ClientResponse r = Http.send(router.port(), ClientRequest.get("/upload").withBody("POST", "x".repeat(100_000)));
        assertThat(r.bodyText()).isEqualTo("received 100000 bytes\n");
    }

    @Test
    void answersHeadWithoutABody() throws Exception {
        try (HttpConnection c = HttpConnection.open("127.0.0.1", router.port(), Duration.ofSeconds(5), Duration.ofSeconds(5))) {
            ClientResponse head = c.send(new ClientRequest("HEAD", "/", List.of(), null));
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.body()).isEmpty();
            ClientResponse next = c.send(ClientRequest.get("/"));
            assertThat(next.bodyText()).isEqualTo("hello from sample v1\n");
        }
    }

    @Test
    void answersPipelinedRequestsInOrder() throws Exception {
        String out = Http.raw(router.port(), "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: api.example.com\r\nConnection: close\r\n\r\n");
        assertThat(out.toLowerCase()).containsSubsequence("http/1.1 200", "x-version: v1", "http/1.1 200", "x-version: v2");
    }

    @Test
    void answersAThousandPipelinedRequestsItAnswersItselfInOrder() throws Exception {
        // decoded many to a read and handed over one at a time, each answered at once by the router: a loop, not a recursion
        try (RouterHarness empty = RouterHarness.start(dir.resolve("pipelined"))) {
            StringBuilder requests = new StringBuilder();
            List<String> paths = new java.util.ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                requests.append("GET /p").append(i).append(" HTTP/1.1\r\nHost: x\r\n\r\n");
                paths.add("path '/p" + i + "'");
            }
            requests.append("GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            paths.add("path '/last'");
            String out = Http.raw(empty.port(), requests.toString());
            assertThat(out.split("HTTP/1.1 404", -1)).hasSize(1002);
            assertThat(out).containsSubsequence(paths).doesNotContain("<<still open");
        }
    }

    @Test
    void answers404WhenNoRouteTakesTheRequest() throws Exception {
        try (RouterHarness empty = RouterHarness.start(dir.resolve("empty"))) {
            ClientResponse r = Http.get(empty.port(), "/nothing");
            assertThat(r.status()).isEqualTo(404);
            assertThat(r.bodyText()).contains("no route for host '127.0.0.1' and path '/nothing'");
        }
    }

    @Test
    void refusesDotSegmentsThatWouldConfuseRouting() throws Exception {
        String out = Http.raw(router.port(), "GET /api/../admin HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(out).startsWith("HTTP/1.1 400").contains("'.' or '..' path segment");
    }
}
