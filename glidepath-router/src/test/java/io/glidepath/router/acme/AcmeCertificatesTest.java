package io.glidepath.router.acme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.route.RouteMatch;
import io.glidepath.route.RouteSpec;
import io.glidepath.router.Router;
import io.glidepath.router.testkit.Http;
import io.glidepath.router.testkit.RouterHarness;
import io.glidepath.router.testkit.SampleProcess;
import io.glidepath.testkit.acme.Pebble;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificates from a real ACME CA, Let's Encrypt's pebble, through HTTP-01 answered by the router's
 * own plain listener: issued when a route names a host, served to clients asking for that name with a
 * chain that verifies against pebble's root, renewed before expiry, a failing name retried with
 * back-off while the others serve, keys 0600, and a restart that reuses what is stored.
 */
@Execution(ExecutionMode.CONCURRENT) // beside the other classes (mostly waiting for pebble and renewals): junit-platform.properties
class AcmeCertificatesTest {
    @TempDir
    Path dir;
    Pebble pebble;
    SampleProcess backend;
    RouterHarness router;

    @BeforeEach
    void backend() throws Exception {
        backend = SampleProcess.start("v1");
        pebble = Pebble.prepare(dir.resolve("pebble"));
    }

    @AfterEach
    void stop() throws Exception {
        if (router != null) {
            router.close();
        }
        pebble.close();
        backend.close();
    }

    /** A router with ACME from pebble (checking names every 200 ms, retries from 1 s doubling to 4 s), then pebble on its plain port. */
    void start(Duration validity) throws Exception {
        router = RouterHarness.start(routerConfig(0));
        pebble.start(router.port(), validity);
    }

    Router.Config routerConfig(int plainPort) {
        AcmeSettings acme = new AcmeSettings(pebble.directory(), Optional.of("ops@example.test"), Optional.of(pebble.apiRootPem()),
                Duration.ofMillis(200), Duration.ofSeconds(1), Duration.ofSeconds(4));
        return Router.Config.loopback(dir.resolve("state")).withListen("127.0.0.1", plainPort).withTls("127.0.0.1", 0, null, acme);
    }

    void route(String name, String host) throws Exception {
        router.admin().put(RouteSpec.of(name, new RouteMatch(host, "/"), List.of(backend.address())), OptionalLong.empty());
    }

    @Test
    void aRouteCreatedForAHostGetsACertificateThroughHttp01AndHttpsToItVerifiesAgainstPebblesRoot() throws Exception {
        start(Duration.ofDays(90));
        route("a", "a.example.test");

        X509Certificate root = pebble.issuingRoot();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
            Served s = https("a.example.test", root);
            assertThat(s.status()).startsWith("HTTP/1.1 200");
            assertThat(s.leaf().getSubjectAlternativeNames()).anySatisfy(san -> assertThat(san.get(1)).isEqualTo("a.example.test"));
        });

        NameStatus a = router.router().acme().orElseThrow().names().getFirst();
        assertThat(a.name()).isEqualTo("a.example.test");
        assertThat(a.state()).isEqualTo(NameStatus.State.VALID);
        assertThat(a.certificate().orElseThrow().renewAt()).isAfter(java.time.Instant.now().plus(Duration.ofDays(59)));
        JsonNode certs = router.admin().certificates();
        assertThat(certs.at("/acme/names/0/state").asText()).isEqualTo("valid");
        assertThat(certs.at("/acme/names/0/notAfter").asText()).isNotEmpty();
        assertThat(certs.path("certificates")).anySatisfy(c -> assertThat(c.path("file").asText()).isEqualTo("a.example.test.pem"));
        String metrics = metrics();
        assertThat(metrics).contains("glidepath_router_acme_certificates_issued_total 1.0")
                .contains("glidepath_router_acme_names{state=\"valid\"} 1")
                .contains("glidepath_router_certificate_not_after_seconds{file=\"a.example.test.pem\",names=\"a.example.test\"}");

        Path acme = dir.resolve("state/acme");
        for (Path key : List.of(acme.resolve("account.key"), acme.resolve("certs/a.example.test.pem"))) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).as(key.toString()).isEqualTo("rw-------");
        }
        try (Stream<Path> files = Files.list(acme.resolve("certs"))) {
            assertThat(files.map(p -> p.getFileName().toString())).as("no temporary file left").containsExactly("a.example.test.pem");
        }
        // a challenge token the router does not hold is not answered by it: the request goes to its route
        assertThat(Http.raw(router.port(), "GET /.well-known/acme-challenge/not-ours HTTP/1.1\r\nHost: nowhere.example.test\r\n\r\n"))
                .startsWith("HTTP/1.1 404").contains("no route for host 'nowhere.example.test'");
    }

    @Test
    void aNameTheCaCannotValidateIsReportedAndRetriedWithBackOffWhileTheOthersServe() throws Exception {
        start(Duration.ofDays(90));
        pebble.resolve("b.example.test", "127.0.0.2"); // nothing listens there: HTTP-01 fails
        route("b", "b.example.test");
        route("a", "a.example.test");

        X509Certificate root = pebble.issuingRoot();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .untilAsserted(() -> assertThat(https("a.example.test", root).status()).startsWith("HTTP/1.1 200"));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            NameStatus b = status("b.example.test");
            assertThat(b.state()).isEqualTo(NameStatus.State.FAILED);
            assertThat(b.failures()).as("retried after the back-off").isGreaterThanOrEqualTo(2);
            assertThat(b.reason().orElseThrow()).contains("could not validate b.example.test over HTTP-01").contains("127.0.0.2");
            assertThat(b.nextAttempt()).isPresent();
        });
        JsonNode b = router.admin().certificates().at("/acme/names/1");
        assertThat(b.path("name").asText()).isEqualTo("b.example.test");
        assertThat(b.path("state").asText()).isEqualTo("failed");
        assertThat(b.path("reason").asText()).contains("127.0.0.2");
        assertThat(metrics()).containsPattern("glidepath_router_acme_orders_failed_total [2-9]");
        assertThat(status("a.example.test").state()).isEqualTo(NameStatus.State.VALID);

        pebble.resolve("b.example.test", "127.0.0.1"); // fixed: the next retry gets it
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .untilAsserted(() -> assertThat(https("b.example.test", root).status()).startsWith("HTTP/1.1 200"));
        assertThat(status("b.example.test").failures()).isZero();
    }

    @Test
    void aCertificateIsRenewedAtTwoThirdsOfItsLifetimeWithoutAConnectionDropped() throws Exception {
        start(Duration.ofSeconds(30)); // renewal due 20 s after notBefore
        route("a", "a.example.test");
        X509Certificate root = pebble.issuingRoot();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .untilAsserted(() -> assertThat(https("a.example.test", root).status()).startsWith("HTTP/1.1 200"));
        StoredCertificate first = status("a.example.test").certificate().orElseThrow();
        assertThat(Duration.between(first.notBefore(), first.renewAt())).isEqualTo(Duration.between(first.notBefore(), first.notAfter()).multipliedBy(2).dividedBy(3));

        try (SSLSocket open = connect("a.example.test", root)) {
            assertThat(request(open, "a.example.test")).startsWith("HTTP/1.1 200");
            await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(200))
                    .until(() -> !leafOf("a.example.test", root).getSerialNumber().toString(16).equals(first.serial()));
            assertThat(java.time.Instant.now()).as("renewed before the old one expired").isBefore(first.notAfter());
            // the status view is written just after the new certificate serves: read it until it says so too
            StoredCertificate second = await().atMost(Duration.ofSeconds(5)).ignoreExceptions()
                    .until(() -> status("a.example.test").certificate().orElseThrow(), c -> !c.serial().equals(first.serial()));
            assertThat(second.notAfter()).isAfter(first.notAfter());
            assertThat(request(open, "a.example.test")).as("a connection opened before the renewal goes on").startsWith("HTTP/1.1 200");
        }
    }

    @Test
    void aRestartReusesTheStoredAccountAndCertificateWithoutANewOrder() throws Exception {
        start(Duration.ofDays(90));
        route("a", "a.example.test");
        X509Certificate root = pebble.issuingRoot();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .untilAsserted(() -> assertThat(https("a.example.test", root).status()).startsWith("HTTP/1.1 200"));
        String serial = status("a.example.test").certificate().orElseThrow().serial();
        Path acme = dir.resolve("state/acme");
        String accountKey = Files.readString(acme.resolve("account.key"));
        List<Path> accountUrls;
        try (Stream<Path> files = Files.list(acme)) {
            accountUrls = files.filter(p -> p.getFileName().toString().endsWith(".url")).toList();
        }
        assertThat(accountUrls).hasSize(1);
        String accountUrl = Files.readString(accountUrls.getFirst());

        int plainPort = router.port();
        router.close();
        router = RouterHarness.start(routerConfig(plainPort)); // the port pebble validates on

        AcmeCertificates restarted = router.router().acme().orElseThrow();
        await().atMost(Duration.ofSeconds(10)).until(() -> !restarted.names().isEmpty());
        assertThat(restarted.names().getFirst().state()).isEqualTo(NameStatus.State.VALID);
        assertThat(restarted.names().getFirst().certificate().orElseThrow().serial()).isEqualTo(serial);
        assertThat(leafOf("a.example.test", root).getSerialNumber().toString(16)).isEqualTo(serial);
        assertThat(restarted.issuedCount()).as("no new order").isZero();
        assertThat(restarted.failedCount()).isZero();
        assertThat(Files.readString(acme.resolve("account.key"))).isEqualTo(accountKey);
        assertThat(Files.readString(accountUrls.getFirst())).isEqualTo(accountUrl);

        // the stored account orders the next name: no second account
        route("c", "c.example.test");
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .untilAsserted(() -> assertThat(https("c.example.test", root).status()).startsWith("HTTP/1.1 200"));
        try (Stream<Path> files = Files.list(acme)) {
            assertThat(files.filter(p -> p.getFileName().toString().endsWith(".url"))).hasSize(1);
        }
    }

    // --- helpers -------------------------------------------------------------------------------------

    record Served(String status, X509Certificate leaf) {
    }

    NameStatus status(String name) {
        return router.router().acme().orElseThrow().names().stream().filter(n -> n.name().equals(name)).findFirst().orElseThrow();
    }

    /** A request over HTTPS asking for {@code host} (SNI), the chain verified against {@code root} and the name checked, as a browser does. */
    Served https(String host, X509Certificate root) throws Exception {
        try (SSLSocket s = connect(host, root)) {
            return new Served(request(s, host), (X509Certificate) s.getSession().getPeerCertificates()[0]);
        }
    }

    X509Certificate leafOf(String host, X509Certificate root) throws Exception {
        try (SSLSocket s = connect(host, root)) {
            return (X509Certificate) s.getSession().getPeerCertificates()[0];
        }
    }

    SSLSocket connect(String host, X509Certificate root) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("pebble", root);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        int port = router.router().tlsAddress().orElseThrow().getPort();
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(new Socket("127.0.0.1", port), host, port, true);
        s.setSoTimeout(5_000);
        SSLParameters p = s.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        s.setSSLParameters(p);
        s.startHandshake();
        return s;
    }

    static String request(SSLSocket s, String host) throws IOException {
        s.getOutputStream().write(("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
        return Http.readResponse(s.getInputStream());
    }

    String metrics() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(router.adminUri("/metrics"))
                .header("Authorization", "Bearer " + router.token()).build(), HttpResponse.BodyHandlers.ofString());
        return r.body();
    }
}
