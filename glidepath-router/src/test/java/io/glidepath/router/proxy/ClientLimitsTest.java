package io.glidepath.router.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.glidepath.router.Router;
import io.glidepath.router.testkit.RouterHarness;
import io.glidepath.router.testkit.SampleProcess;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The limits the listener puts on slow and idle clients (docs/router.md, "Limits"), each on raw
 * sockets against a router whose deadlines are short: a head trickled past its deadline, a silent
 * connection, a body that stalls, and what must not trip them (a slow but steady body, a slow backend,
 * an idle keep-alive connection); and the connection limit, at which clients wait instead of failing.
 */
class ClientLimitsTest {
    static final Duration HEAD = Duration.ofMillis(700);
    static final Duration BODY = Duration.ofMillis(700);
    static final Duration IDLE = Duration.ofSeconds(3);
    static final int MAX_CONNECTIONS = 4;

    @TempDir
    static Path dir;
    static SampleProcess backend;
    static RouterHarness router;

    @BeforeAll
    static void start() throws Exception {
        backend = SampleProcess.start("v1");
        ProxySettings limits = ProxySettings.defaults().withClientLimits(IDLE, HEAD, BODY, MAX_CONNECTIONS);
        router = RouterHarness.start(Router.Config.loopback(dir).withProxy(limits));
        router.route("web", List.of(backend.address()));
    }

    /**
     * Each test starts with no client connection open: the connections of the test before may take the
     * router a moment to see closed (a loaded machine), and the limit here is only four.
     */
    @BeforeEach
    void quiet() {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> router.router().listenerCounters().openConnections() == 0);
    }

    @AfterAll
    static void stop() throws Exception {
        router.close();
        backend.close();
    }

    @Test
    void aHeadTrickledLineByLinePastItsDeadlineGets408AndTheConnectionClosed() throws Exception {
        long timeoutsBefore = router.router().listenerCounters().clientTimeouts();
        try (Socket s = socket()) {
            long start = System.nanoTime();
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            // a header line every 200 ms: each keeps the connection busy, none finishes the head; stop once the router answered
            for (int i = 0; i < 10; i++) {
                Thread.sleep(200);
                if (s.getInputStream().available() > 0) {
                    break;
                }
                try {
                    s.getOutputStream().write(("X-Slow-" + i + ": y\r\n").getBytes(StandardCharsets.US_ASCII));
                } catch (IOException closed) {
                    break;
                }
            }
            String got = readAll(s);
            long tookMillis = (System.nanoTime() - start) / 1_000_000;
            assertThat(got).startsWith("HTTP/1.1 408").contains("did not arrive whole within 700ms");
            assertThat(tookMillis).as("cut at the head deadline, not later").isBetween(HEAD.toMillis() - 50, HEAD.toMillis() + 1_500);
        }
        assertThat(router.router().listenerCounters().clientTimeouts()).isGreaterThan(timeoutsBefore);
    }

    @Test
    void aConnectionThatSendsNothingIsClosedWithoutAnAnswer() throws Exception {
        try (Socket s = socket()) {
            assertThat(readAll(s)).as("closed silently, as HAProxy's http-ignore-probes: a browser's preconnect is no error").isEmpty();
        }
    }

    @Test
    void aBodyThatStallsGets408AndTheBackendsConnectionIsDropped() throws Exception {
        try (Socket s = socket()) {
            s.getOutputStream().write("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789".getBytes(StandardCharsets.US_ASCII));
            String got = readAll(s);
            assertThat(got).startsWith("HTTP/1.1 408").contains("request body stalled");
        }
        // the backend never answered a partial upload, and the router still serves
        try (Socket s = socket()) {
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readAll(s)).startsWith("HTTP/1.1 200");
        }
    }

    @Test
    void aSlowButSteadyBodyAndASlowBackendAreNotCut() throws Exception {
        try (Socket s = socket()) {
            s.getOutputStream().write("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < 6; i++) {
                Thread.sleep(300); // the client's pace: 1.8 s in all, each gap under the body deadline
                s.getOutputStream().write('a');
            }
            assertThat(response(s)).startsWith("HTTP/1.1 200").contains("received 6 bytes");
            // the backend takes 1.5 s to answer: the request is in, no deadline runs against the client
            s.getOutputStream().write("GET /slow?ms=1500 HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(response(s)).startsWith("HTTP/1.1 200").contains("slow hello");
            // idle between requests for longer than the head deadline: the idle timeout applies, not the head's
            Thread.sleep(HEAD.toMillis() * 2);
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readAll(s)).startsWith("HTTP/1.1 200");
        }
    }

    @Test
    void aKeepAliveConnectionIdleForTheIdleTimeoutIsClosed() throws Exception {
        try (Socket s = socket()) {
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(response(s)).startsWith("HTTP/1.1 200");
            long answered = System.nanoTime();
            s.setSoTimeout((int) IDLE.toMillis() + 5_000);
            assertThat(s.getInputStream().read()).as("closed without another byte").isEqualTo(-1);
            long idleMillis = (System.nanoTime() - answered) / 1_000_000;
            assertThat(idleMillis).as("closed at the idle timeout, not at the head's nor much later")
                    .isBetween(IDLE.toMillis() - 100, IDLE.toMillis() + 2_000);
        }
    }

    @Test
    void atTheConnectionLimitAClientWaitsForAFreeConnectionInsteadOfFailing() throws Exception {
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < MAX_CONNECTIONS; i++) {
                Socket s = socket();
                held.add(s);
                s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(response(s)).startsWith("HTTP/1.1 200");
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> router.router().listenerCounters().openConnections() == MAX_CONNECTIONS);
            try (Socket waiting = socket()) {
                waiting.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                waiting.setSoTimeout(400);
                assertThat(readSome(waiting)).as("not served while the limit is reached").isEmpty();
                held.remove(0).close();
                waiting.setSoTimeout(5_000);
                assertThat(readAll(waiting)).as("served once a connection closed").startsWith("HTTP/1.1 200");
            }
            assertThat(router.router().listenerCounters().refusedConnections()).isZero();
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }

    private static Socket socket() throws IOException {
        Socket s = new Socket("127.0.0.1", router.port());
        s.setSoTimeout(5_000);
        return s;
    }

    /** Everything until the router closes the connection. */
    private static String readAll(Socket s) throws IOException {
        return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }

    /** Whatever arrives before the socket's timeout. */
    private static String readSome(Socket s) throws IOException {
        byte[] buf = new byte[4096];
        try {
            int n = s.getInputStream().read(buf);
            return n < 0 ? "<closed>" : new String(buf, 0, n, StandardCharsets.ISO_8859_1);
        } catch (SocketTimeoutException nothing) {
            return "";
        }
    }

    /** One response with a Content-Length body, leaving the connection open. */
    private static String response(Socket s) throws IOException {
        return io.glidepath.router.testkit.Http.readResponse(s.getInputStream());
    }
}
