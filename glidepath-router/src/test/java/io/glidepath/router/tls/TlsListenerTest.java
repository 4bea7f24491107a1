package io.glidepath.router.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.glidepath.route.HttpsPolicy;
import io.glidepath.route.RouteMatch;
import io.glidepath.route.RouteSpec;
import io.glidepath.router.Router;
import io.glidepath.router.testkit.RouterHarness;
import io.glidepath.router.testkit.SampleProcess;
import io.glidepath.testkit.tls.TestCa;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTPS listener from outside, with the JDK's TLS client: the certificate chosen by the name the
 * client asks for (exact, wildcard, default), modern protocols only, certificates reloaded without a
 * connection dropped, a broken renewal that changes nothing, and expiry where operators look.
 */
class TlsListenerTest {
    @TempDir
    static Path dir;
    static TestCa ca;
    static SampleProcess backend;
    static RouterHarness router;
    static Path certs;

    @BeforeAll
    static void start() throws Exception {
        ca = TestCa.create();
        certs = dir.resolve("certs");
        ca.issue(Duration.ofDays(90), "shop.example.test", "www.shop.example.test").writeTo(certs, "shop");
        ca.issue(Duration.ofDays(30), "*.apps.example.test").writeTo(certs, "apps");
        ca.issue(Duration.ofDays(60), "fallback.example.test").writeTo(certs, "default");
        backend = SampleProcess.start("v1");
        router = RouterHarness.start(Router.Config.loopback(dir.resolve("state")).withTls("127.0.0.1", 0, certs));
        router.route("web", List.of(backend.address()));
    }

    @AfterAll
    static void stop() throws Exception {
        router.close();
        backend.close();
    }

    static int tlsPort() {
        return router.router().tlsAddress().orElseThrow().getPort();
    }

    @Test
    void theCertificateIsChosenByTheNameAskedForAndTheRequestGoesThroughMarkedHttps() throws Exception {
        try (SSLSocket s = connect("shop.example.test")) {
            assertThat(names(s)).contains("shop.example.test");
            String r = request(s, "GET /echo HTTP/1.1\r\nHost: shop.example.test\r\nX-Forwarded-Proto: http\r\n\r\n");
            assertThat(r).startsWith("HTTP/1.1 200");
            assertThat(r.toLowerCase()).as("the backend is told the truth, whatever the client claimed").contains("x-forwarded-proto: https")
                    .doesNotContain("x-forwarded-proto: http\n");
        }
        try (SSLSocket s = connect("Billing.Apps.Example.test")) {
            assertThat(names(s)).as("a wildcard covers one label").containsExactly("*.apps.example.test");
        }
        try (SSLSocket s = connect("a.b.apps.example.test")) {
            assertThat(names(s)).as("two labels: the default").containsExactly("fallback.example.test");
        }
        try (SSLSocket s = connect(null)) {
            assertThat(names(s)).as("no SNI: the default").containsExactly("fallback.example.test");
        }
        // a client that checks the name against the certificate, as browsers do
        try (SSLSocket s = connect(tlsPort(), "www.shop.example.test", null, null, true)) {
            assertThat(request(s, "GET / HTTP/1.1\r\nHost: www.shop.example.test\r\n\r\n")).startsWith("HTTP/1.1 200");
        }
        try (SSLSocket s = connect(tlsPort(), "x.apps.example.test", null, null, true)) {
            assertThat(s.getSession().isValid()).isTrue();
        }
    }

    @Test
    void aRouteAskingForHttpsRedirectsPlainRequestsWith308AndGetsHstsOnlyOverHttps() throws Exception {
        RouteSpec secure = RouteSpec.of("secure", new RouteMatch("secure.shop.example.test", "/"), List.of(backend.address()))
                .withHttps(new HttpsPolicy(true, java.util.Optional.of(Duration.ofHours(8760)), true));
        router.admin().put(secure, java.util.OptionalLong.empty());
        String plain = io.glidepath.router.testkit.Http.raw(router.port(),
                "GET /cart?item=7 HTTP/1.1\r\nHost: secure.shop.example.test:" + router.port() + "\r\nConnection: close\r\n\r\n");
        assertThat(plain).startsWith("HTTP/1.1 308").contains("location: https://secure.shop.example.test:" + tlsPort() + "/cart?item=7")
                .doesNotContainIgnoringCase("strict-transport-security");
        // ACME's HTTP-01 challenges stay on plain HTTP
        assertThat(io.glidepath.router.testkit.Http.raw(router.port(), "GET /.well-known/acme-challenge/abc HTTP/1.1\r\nHost: secure.shop.example.test\r\n"
                + "Connection: close\r\n\r\n")).doesNotStartWith("HTTP/1.1 308");
        try (SSLSocket s = connect("secure.shop.example.test")) {
            String r = request(s, "GET /cart HTTP/1.1\r\nHost: secure.shop.example.test\r\n\r\n");
            assertThat(r).startsWith("HTTP/1.1 200").containsIgnoringCase("strict-transport-security: max-age=31536000; includeSubDomains");
        }
        // a route without the policy serves plain HTTP as before
        assertThat(io.glidepath.router.testkit.Http.raw(router.port(), "GET / HTTP/1.1\r\nHost: other.test\r\nConnection: close\r\n\r\n"))
                .startsWith("HTTP/1.1 200");
    }

    @Test
    void onlyTls13AndTls12WithModernSuitesAreSpoken() throws Exception {
        try (SSLSocket s = connect("shop.example.test", new String[] {"TLSv1.2"}, null)) {
            assertThat(s.getSession().getProtocol()).isEqualTo("TLSv1.2");
            assertThat(Certificates.TLS12_CIPHERS).contains(s.getSession().getCipherSuite());
        }
        try (SSLSocket s = connect("shop.example.test")) {
            assertThat(s.getSession().getProtocol()).isEqualTo("TLSv1.3");
        }
        assertThatThrownBy(() -> connect("shop.example.test", new String[] {"TLSv1.2"}, new String[] {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"}))
                .as("a CBC suite: refused").isInstanceOf(IOException.class);
    }

    @Test
    void aRenewedCertificateIsServedToNewConnectionsWhileOpenOnesGoOnAndABrokenOneChangesNothing() throws Exception {
        Path renewDir = dir.resolve("renew");
        ca.issue(Duration.ofDays(10), "renew.example.test").writeTo(renewDir, "renew");
        try (RouterHarness r = RouterHarness.start(Router.Config.loopback(dir.resolve("renew-state")).withTls("127.0.0.1", 0, renewDir))) {
            r.route("web", List.of(backend.address()));
            int port = r.router().tlsAddress().orElseThrow().getPort();
            BigInteger first;
            try (SSLSocket open = connect(port, "renew.example.test", null, null)) {
                first = leaf(open).getSerialNumber();
                TestCa.Issued renewed = ca.issue(Duration.ofDays(90), "renew.example.test");
                renewed.writeTo(renewDir, "renew");
                await().atMost(Duration.ofSeconds(15)).until(() -> {
                    try (SSLSocket fresh = connect(port, "renew.example.test", null, null)) {
                        return leaf(fresh).getSerialNumber().equals(renewed.leaf().getSerialNumber());
                    }
                });
                // the connection opened before the renewal was not dropped
                assertThat(request(open, "GET / HTTP/1.1\r\nHost: renew.example.test\r\n\r\n")).startsWith("HTTP/1.1 200");
                assertThat(leaf(open).getSerialNumber()).isEqualTo(first);
            }
            // a half-written renewal: the file does not load, the certificate before it keeps serving, and the operator is told
            Files.writeString(renewDir.resolve("renew.crt"), "-----BEGIN CERTIFICATE-----\nnot base64\n");
            await().atMost(Duration.ofSeconds(15)).until(() -> r.router().certificates().orElseThrow().reloadErrors() > 0);
            try (SSLSocket fresh = connect(port, "renew.example.test", null, null)) {
                assertThat(names(fresh)).containsExactly("renew.example.test");
            }
            String listed = new String(withToken((java.net.HttpURLConnection) r.adminUri("/v1/certificates").toURL().openConnection(), r.token()),
                    StandardCharsets.UTF_8);
            assertThat(listed).contains("\"file\":\"renew.crt\"", "\"error\":");
        }
    }

    @Test
    void expiryIsInMetricsAndTheAdminApi() throws Exception {
        String prom = router.admin().metrics();
        X509Certificate shop = (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                .generateCertificate(Files.newInputStream(certs.resolve("shop.crt")));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                "glidepath_router_certificate_not_after_seconds\\{file=\"shop.crt\",names=\"shop.example.test,www.shop.example.test\"} (\\S+)").matcher(prom);
        assertThat(m.find()).as(prom).isTrue();
        assertThat((long) Double.parseDouble(m.group(1))).isEqualTo(shop.getNotAfter().toInstant().getEpochSecond());
        String listed = new String(withToken((java.net.HttpURLConnection) router.adminUri("/v1/certificates").toURL().openConnection(), router.token()),
                StandardCharsets.UTF_8);
        assertThat(listed).contains("\"default\":\"default.crt\"", "\"names\":[\"*.apps.example.test\"]", "\"notAfter\":\"" + shop.getNotAfter().toInstant());
    }

    @Test
    void aDirectoryWithNothingThatLoadsStopsTheStartSayingWhy() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertThatThrownBy(() -> Router.start(Router.Config.loopback(dir.resolve("s1")).withTls("127.0.0.1", 0, empty)))
                .isInstanceOf(IOException.class).hasMessageContaining("no certificate in " + empty + " loads");
        Path mismatched = dir.resolve("mismatched");
        TestCa.Issued a = ca.issue(Duration.ofDays(1), "a.example.test");
        TestCa.Issued b = ca.issue(Duration.ofDays(1), "b.example.test");
        Files.createDirectories(mismatched);
        Files.writeString(mismatched.resolve("a.crt"), a.chainPem());
        Files.writeString(mismatched.resolve("a.key"), b.keyPem());
        assertThatThrownBy(() -> Router.start(Router.Config.loopback(dir.resolve("s2")).withTls("127.0.0.1", 0, mismatched)))
                .isInstanceOf(IOException.class).hasMessageContaining("a.crt: the key is not this certificate's");
        Path pkcs1 = dir.resolve("pkcs1");
        Files.createDirectories(pkcs1);
        Files.writeString(pkcs1.resolve("site.crt"), a.chainPem());
        Files.writeString(pkcs1.resolve("site.key"), "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n");
        assertThatThrownBy(() -> Router.start(Router.Config.loopback(dir.resolve("s3")).withTls("127.0.0.1", 0, pkcs1)))
                .isInstanceOf(IOException.class).hasMessageContaining("site.crt: the key is in PKCS#1/SEC1 form; convert it to PKCS#8 with: openssl pkcs8");
    }

    // --- helpers -------------------------------------------------------------------------------------

    static SSLSocket connect(String sni) throws Exception {
        return connect(tlsPort(), sni, null, null);
    }

    static SSLSocket connect(String sni, String[] protocols, String[] suites) throws Exception {
        return connect(tlsPort(), sni, protocols, suites);
    }

    static SSLSocket connect(int port, String sni, String[] protocols, String[] suites) throws Exception {
        return connect(port, sni, protocols, suites, false);
    }

    /**
     * A TLS connection to 127.0.0.1 asking for {@code sni} (none when null), trusting the test CA; the
     * handshake done. With {@code verifyName}, the certificate must also name {@code sni}, as a browser checks.
     */
    static SSLSocket connect(int port, String sni, String[] protocols, String[] suites, boolean verifyName) throws Exception {
        SSLSocket s = (SSLSocket) ca.clientContext().getSocketFactory().createSocket("127.0.0.1", port);
        s.setSoTimeout(5_000);
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
        if (protocols != null) {
            p.setProtocols(protocols);
        }
        if (suites != null) {
            p.setCipherSuites(suites);
        }
        if (verifyName) {
            p.setEndpointIdentificationAlgorithm("HTTPS");
        }
        s.setSSLParameters(p);
        try {
            s.startHandshake();
        } catch (SSLHandshakeException | java.net.SocketException e) {
            s.close();
            throw e;
        }
        return s;
    }

    static X509Certificate leaf(SSLSocket s) throws Exception {
        return (X509Certificate) s.getSession().getPeerCertificates()[0];
    }

    static List<String> names(SSLSocket s) throws Exception {
        return Certificates.names(leaf(s));
    }

    /** One request on the connection, its response read by its Content-Length. */
    static String request(SSLSocket s, String request) throws IOException {
        s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
        return io.glidepath.router.testkit.Http.readResponse(s.getInputStream());
    }

    static byte[] withToken(java.net.HttpURLConnection c, String token) throws IOException {
        c.setRequestProperty("Authorization", "Bearer " + token);
        try (InputStream in = c.getInputStream()) {
            return in.readAllBytes();
        }
    }
}
