package io.glidepath.router.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.Mirror;
import io.glidepath.route.RouteMatch;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.Track;
import io.glidepath.router.client.EndpointStatus;
import io.glidepath.router.client.RouteStats;
import io.glidepath.router.testkit.RouterHarness;
import io.glidepath.testkit.load.LoadGenerator;
import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shadow traffic: a route's mirror share of requests (with their bodies, where the route allows every
 * method) is copied to the canary, whose answers are
 * counted on the shadow series and thrown away. No user is served by the canary, and a failing,
 * slow or overwhelmed canary costs users nothing.
 */
class MirrorTest {
    @TempDir
    Path dir;
    RouterHarness router;
    final List<HttpServer> servers = new ArrayList<>();
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** The canary as a backend nobody here wrote (the JDK's server): what it got, and how it answers. */
    static final class Canary {
        final AtomicInteger requests = new AtomicInteger();
        final AtomicInteger markedAsCopies = new AtomicInteger();
        volatile int status = 200;
        volatile long delayMillis;
        final java.util.Queue<String> bodies = new java.util.concurrent.ConcurrentLinkedQueue<>();
        final AtomicInteger chunkedBodies = new AtomicInteger();
    }

    @BeforeEach
    void start() throws Exception {
        router = RouterHarness.start(dir);
    }

    @AfterEach
    void stop() {
        servers.forEach(s -> s.stop(0));
        router.close();
        http.close();
    }

    @Test
    void theMirroredShareOfRequestsWithoutABodyReachesTheCanaryAndNoUserIsServedByIt() throws Exception {
        EndpointAddress stable = stable();
        Canary canary = new Canary();
        EndpointAddress c = canary(canary);
        route(stable, c, new Mirror(5000, false));

        try (LoadGenerator load = new LoadGenerator(LoadGenerator.Config.of("127.0.0.1", router.port(), 8)).start()) {
            await().atMost(Duration.ofSeconds(20)).until(() -> load.requestCount() >= 400);
            load.close();
            assertThat(load.failures()).isEmpty();
            assertThat(load.snapshot().byVersion()).as("every user answered by stable").containsOnlyKeys("stable");
            long users = load.requestCount();
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                RouteStats s = router.admin().stats("web", Duration.ofSeconds(60));
                assertThat(s.shadow().requests()).as("the copies counted on the shadow track").isEqualTo(canary.requests.get());
                assertThat(s.track(Track.CANARY).requests()).as("the canary's own figures: users' requests only").isZero();
                assertThat(s.track(Track.STABLE).requests()).isEqualTo(users);
            });
            assertThat((double) canary.requests.get() / users).as("about half copied").isBetween(0.35, 0.65);
            assertThat(canary.markedAsCopies.get()).as("each copy says it is one").isEqualTo(canary.requests.get());
        }

        // other methods, and requests with a body, are copied only when the route allows every method
        int before = canary.requests.get();
        for (int i = 0; i < 40; i++) {
            assertThat(send("POST", HttpRequest.BodyPublishers.noBody()).statusCode()).isEqualTo(200);
            assertThat(send("PUT", HttpRequest.BodyPublishers.ofString("{\"a\":1}")).statusCode()).isEqualTo(200);
        }
        assertThat(canary.requests.get()).isEqualTo(before);
        assertThat(canary.bodies).isEmpty();
    }

    @Test
    void onARouteThatAllowsEveryMethodARequestsBodyIsCopiedWholeUpToTheBoundAndNeverInPart() throws Exception {
        EndpointAddress stable = stable();
        Canary canary = new Canary();
        route(stable, canary(canary), new Mirror(10_000, true));
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            assertThat(send("POST", HttpRequest.BodyPublishers.noBody()).statusCode()).isEqualTo(200);
            String json = "{\"order\":" + i + "}";
            sent.add(json);
            assertThat(send("PUT", HttpRequest.BodyPublishers.ofString(json)).statusCode()).isEqualTo(200);
        }
        // a chunked body of unknown length (an input stream) arrives whole, with its length
        String chunked = "x".repeat(20_000);
        sent.add(chunked);
        assertThat(send("POST", HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(chunked.getBytes(StandardCharsets.US_ASCII))))
                .statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(canary.requests.get()).as("40 POSTs without a body, 41 with")
                .isEqualTo(81));
        assertThat(canary.bodies).as("every body as the user sent it").containsExactlyInAnyOrderElementsOf(sent);
        assertThat(canary.chunkedBodies.get()).as("a copy's body goes with a Content-Length").isZero();

        // beyond the bound, with a length or chunked, the copy is dropped and counted; the user is served as ever
        long dropped = router.router().listenerCounters().shadowDropped();
        byte[] large = new byte[ShadowCopy.MAX_BODY_BYTES + 1];
        assertThat(send("POST", HttpRequest.BodyPublishers.ofByteArray(large)).statusCode()).isEqualTo(200);
        assertThat(send("POST", HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(large))).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(5)).until(() -> router.router().listenerCounters().shadowDropped() == dropped + 2);

        // a user who leaves half way through the body: the canary gets nothing of that request
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), router.port())) {
            s.getOutputStream().write(("POST /m HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" + "y".repeat(100))
                    .getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            Thread.sleep(200); // the client's pace, under test: head and part of the body reach stable and the copy before it goes
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> router.router().listenerCounters().shadowDropped() == dropped + 3);
        await("nothing more reached the canary").during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                .until(() -> canary.requests.get() == 81);
    }

    @Test
    void aFailingSlowCanaryCostsUsersNoFailureAndNoWaitAndItsFailuresAreCounted() throws Exception {
        EndpointAddress stable = stable();
        Canary canary = new Canary();
        canary.status = 500;
        canary.delayMillis = 400;
        route(stable, canary(canary), new Mirror(10_000, false));
        try (LoadGenerator load = new LoadGenerator(LoadGenerator.Config.of("127.0.0.1", router.port(), 4).withRate(100)).start()) {
            await().atMost(Duration.ofSeconds(20)).until(() -> load.requestCount() >= 200);
            load.close();
            assertThat(load.failures()).isEmpty();
            assertThat(load.snapshot().maxMillis()).as("no user waited for the canary's 400 ms").isLessThan(400);
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            RouteStats s = router.admin().stats("web", Duration.ofSeconds(60));
            assertThat(s.shadow().status5xx()).as("the copies' failures, for the judge").isGreaterThanOrEqualTo(150);
            assertThat(s.track(Track.STABLE).status5xx()).isZero();
        });
    }

    @Test
    void copiesBeyondWhatTheLoopsHoldAreDroppedAndCountedNotQueued() throws Exception {
        EndpointAddress stable = stable();
        Canary canary = new Canary();
        canary.delayMillis = 10_000; // a canary that takes connections and never answers in time
        route(stable, canary(canary), new Mirror(10_000, false));
        try (LoadGenerator load = new LoadGenerator(LoadGenerator.Config.of("127.0.0.1", router.port(), 16)).start()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> router.router().listenerCounters().shadowDropped() > 100);
            long served = load.requestCount();
            await().atMost(Duration.ofSeconds(10)).until(() -> load.requestCount() > served + 1000);
            load.close();
            assertThat(load.failures()).isEmpty();
        }
        List<EndpointStatus> eps = router.admin().endpoints("web");
        assertThat(eps).filteredOn(e -> e.track().orElseThrow() == Track.CANARY).singleElement()
                .satisfies(e -> assertThat(e.inflight()).as("copies out at most %d per event loop", ShadowCopy.MAX_IN_FLIGHT)
                        .isLessThanOrEqualTo(2 * ShadowCopy.MAX_IN_FLIGHT));
        router.admin().put(router.admin().route("web").orElseThrow().spec().withMirror(Mirror.none()), OptionalLong.empty());
    }

    private HttpResponse<String> send(String method, HttpRequest.BodyPublisher body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + router.port() + "/m")).method(method, body).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private void route(EndpointAddress stable, EndpointAddress canary, Mirror mirror) throws Exception {
        RouteSpec spec = RouteSpec.of("web", RouteMatch.any(), List.of(stable)).withCanary(List.of(canary)).withCanaryWeight(0).withMirror(mirror);
        router.admin().put(spec, OptionalLong.empty());
        await("both endpoints checked").atMost(Duration.ofSeconds(10)).until(() -> router.admin().endpoints("web").stream()
                .allMatch(EndpointStatus::isHealthy));
    }

    private EndpointAddress stable() throws Exception {
        HttpServer s = server();
        s.createContext("/", ex -> {
            ex.getRequestBody().readAllBytes();
            byte[] b = "stable\n".getBytes(StandardCharsets.US_ASCII);
            ex.getResponseHeaders().set("X-Version", "stable");
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        s.start();
        return new EndpointAddress("127.0.0.1", s.getAddress().getPort());
    }

    private EndpointAddress canary(Canary c) throws Exception {
        HttpServer s = server();
        s.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        s.createContext("/", ex -> {
            c.requests.incrementAndGet();
            if ("1".equals(ex.getRequestHeaders().getFirst(ShadowCopy.HEADER))) {
                c.markedAsCopies.incrementAndGet();
            }
            byte[] body = ex.getRequestBody().readAllBytes();
            if (body.length > 0) {
                c.bodies.add(new String(body, StandardCharsets.US_ASCII));
            }
            if (ex.getRequestHeaders().containsKey("Transfer-Encoding")) {
                c.chunkedBodies.incrementAndGet();
            }
            try {
                Thread.sleep(c.delayMillis); // the canary's own slowness, under test
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] b = "canary\n".getBytes(StandardCharsets.US_ASCII);
            ex.getResponseHeaders().set("X-Version", "canary");
            ex.sendResponseHeaders(c.status, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        s.start();
        return new EndpointAddress("127.0.0.1", s.getAddress().getPort());
    }

    private HttpServer server() throws Exception {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 2048);
        s.setExecutor(Executors.newFixedThreadPool(4));
        servers.add(s);
        return s;
    }
}
