package io.glidepath.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.glidepath.cli.local.DataDir;
import io.glidepath.cli.router.SuperviseRouterCommand;
import io.glidepath.testkit.net.ChildPorts;
import io.glidepath.testkit.tls.TestCa;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The router {@code glidepath up} starts is kept running by a supervisor: killed, it is back on its
 * addresses without anyone running {@code up}; stopped cleanly, it stays stopped; {@code down}
 * stops both.
 */
class RouterSupervisorTest {
    @TempDir
    Path work;
    DataDir dir;

    @AfterEach
    void down() throws Exception {
        if (dir != null) {
            glidepath("down");
        }
    }

    @Test
    void aKilledRouterIsStartedAgainOnItsAddressesACleanStopIsRespectedAndDownStopsBoth() throws Exception {
        dir = new DataDir(work.resolve("gp"));
        TestCa ca = TestCa.create();
        Path certs = work.resolve("certs");
        ca.issue(Duration.ofDays(10), "edge.example.test").writeTo(certs, "edge");
        int https = ChildPorts.free();
        Path accessLog = work.resolve("logs/access.log");
        assertThat(glidepath("up", "--listen", "127.0.0.1:0", "--api", "127.0.0.1:0", "--router-admin", "127.0.0.1:0",
                "--tls-listen", "127.0.0.1:" + https, "--certs", certs.toString(), "--access-log", accessLog.toString())).isZero();
        var endpoints = dir.endpoints().orElseThrow();
        ProcessHandle supervisor = dir.process(SuperviseRouterCommand.PID_NAME).orElseThrow();
        ProcessHandle first = dir.process("router").orElseThrow();
        assertThat(first.parent().map(ProcessHandle::pid)).contains(supervisor.pid());
        // ProcessHandle.info() may not give a long command line's arguments: read them from /proc
        assertThat(List.of(Files.readString(Path.of("/proc", String.valueOf(first.pid()), "cmdline")).split("\0")))
                .as("the router's heap, as the launcher bounds it").contains("-Xmx1g");
        assertThat(answers(endpoints.proxy().port())).isTrue();
        assertThat(httpsStatusLine(ca, https)).as("HTTPS with the certificate for the name asked").startsWith("HTTP/1.1 404");
        String status = glidepathOut("status");
        assertThat(status).contains("https   1 certificate from " + certs.toAbsolutePath()).containsPattern("edge.crt  edge.example.test  expires "
                + "\\d{4}-\\d\\d-\\d\\d \\([89] days: RENEW NOW\\)");
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(accessLog) && Files.readString(accessLog).contains("\"status\":404"));

        first.destroyForcibly();
        await("the router started again by its supervisor").atMost(Duration.ofSeconds(30))
                .until(() -> dir.process("router").filter(p -> p.pid() != first.pid()).isPresent());
        ProcessHandle second = dir.process("router").orElseThrow();
        assertThat(answers(endpoints.proxy().port())).as("on the same address").isTrue();
        assertThat(httpsStatusLine(ca, https)).as("and HTTPS again: the supervisor starts it with the options up gave").startsWith("HTTP/1.1 404");
        assertThat(dir.endpoints().orElseThrow()).isEqualTo(endpoints);
        assertThat(Files.readString(dir.log("router"))).contains("died (exit 137, SIGKILL): starting it again on " + endpoints.proxy());

        // a clean stop (SIGTERM, exit 0) is what someone wanted: the supervisor leaves it stopped and ends
        second.destroy();
        assertThat(DataDir.awaitGone(second, Duration.ofSeconds(40))).isTrue();
        assertThat(DataDir.awaitGone(supervisor, Duration.ofSeconds(10))).as("the supervisor ends with it").isTrue();
        assertThat(dir.process("router")).isEmpty();
        assertThat(Files.readString(dir.log("router"))).contains("stopped cleanly: not starting it again");

        // up starts a router again, with a supervisor of its own, on the same addresses
        assertThat(glidepath("up")).isZero();
        ProcessHandle again = dir.process(SuperviseRouterCommand.PID_NAME).orElseThrow();
        assertThat(again.pid()).isNotEqualTo(supervisor.pid());
        ProcessHandle third = dir.process("router").orElseThrow();
        assertThat(answers(endpoints.proxy().port())).isTrue();

        assertThat(glidepath("down")).isZero();
        assertThat(DataDir.running(again)).isFalse();
        assertThat(DataDir.running(third)).isFalse();
        dir = null;
    }

    @Test
    void crashesInARowBackOffUpToTenSeconds() {
        assertThat(SuperviseRouterCommand.backoff(1)).isZero();
        assertThat(SuperviseRouterCommand.backoff(2)).isEqualTo(Duration.ofMillis(500));
        assertThat(SuperviseRouterCommand.backoff(3)).isEqualTo(Duration.ofSeconds(1));
        assertThat(SuperviseRouterCommand.backoff(7)).isEqualTo(Duration.ofSeconds(10));
        assertThat(SuperviseRouterCommand.backoff(1000)).isEqualTo(Duration.ofSeconds(10));
    }

    /** Whether the router answers HTTP on {@code port} (no route yet: its own 404 is an answer). */
    private static boolean answers(int port) {
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() > 0;
        } catch (Exception e) {
            return false;
        }
    }


    /** The status line of a GET over TLS to 127.0.0.1, asking for edge.example.test and checking the certificate names it. */
    private static String httpsStatusLine(TestCa ca, int port) throws Exception {
        try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) ca.clientContext().getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(5_000);
            javax.net.ssl.SSLParameters p = s.getSSLParameters();
            p.setServerNames(java.util.List.of(new javax.net.ssl.SNIHostName("edge.example.test")));
            p.setEndpointIdentificationAlgorithm("HTTPS");
            s.setSSLParameters(p);
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: edge.example.test\r\nConnection: close\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String all = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
            return all.lines().findFirst().orElse("");
        }
    }

    /** Runs glidepath on this test's data directory; must exit 0; returns what it printed. */
    private String glidepathOut(String... args) throws Exception {
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--data-dir";
        all[args.length + 1] = dir.root().toString();
        try (CliProcess p = CliProcess.start(all)) {
            assertThat(p.waitFor(120)).as(p.out() + p.err()).isZero();
            return p.out();
        }
    }

    private int glidepath(String... args) throws Exception {
        glidepathOut(args);
        return 0;
    }
}
