package io.glidepath.testkit.acme;

import static org.awaitility.Awaitility.await;

import io.glidepath.testkit.net.ChildPorts;
import io.glidepath.testkit.tls.TestCa;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Let's Encrypt's test CA, Debian's {@code pebble} package, as real processes on loopback ports:
 * {@code pebble} (the ACME server) and {@code pebble-challtestsrv} as its DNS server, answering every
 * name with 127.0.0.1 unless told otherwise ({@link #resolve}). Pebble's validation authority connects
 * for HTTP-01 to the port given to {@link #start}: the router's plain listener.
 *
 * <p>Two steps, because the router needs the directory URL before it starts and Pebble needs the
 * router's port: {@link #prepare} picks the ports and makes Pebble's own HTTPS certificate (from a
 * {@link TestCa}: {@link #apiRootPem()} is what the ACME client trusts); {@link #start} runs it.
 * The packages are installed by the repository's {@code run-tests}; without them this fails, naming them.
 */
public final class Pebble implements AutoCloseable {
    private final Path dir;
    private final TestCa apiCa;
    private final int acmePort;
    private final int managementPort;
    private final int tlsAlpnPort;
    private final int dnsPort;
    private final int dnsManagementPort;
    private final List<Process> processes = new ArrayList<>();
    private final List<String> output = java.util.Collections.synchronizedList(new ArrayList<>());

    private Pebble(Path dir, TestCa apiCa, int acmePort, int managementPort, int tlsAlpnPort, int dnsPort, int dnsManagementPort) {
        this.dir = dir;
        this.apiCa = apiCa;
        this.acmePort = acmePort;
        this.managementPort = managementPort;
        this.tlsAlpnPort = tlsAlpnPort;
        this.dnsPort = dnsPort;
        this.dnsManagementPort = dnsManagementPort;
    }

    /** Picks free loopback ports and writes Pebble's API certificate into {@code dir}; nothing runs yet. */
    public static Pebble prepare(Path dir) throws Exception {
        for (String binary : List.of("pebble", "pebble-challtestsrv")) {
            if (!Files.isExecutable(Path.of("/usr/bin", binary))) {
                throw new IllegalStateException("/usr/bin/" + binary + " is missing: the ACME tests need Debian's pebble package "
                        + "(./run-tests installs it; by hand: apt-get install -y pebble)");
            }
        }
        Files.createDirectories(dir);
        TestCa ca = TestCa.create();
        TestCa.Issued api = ca.issue(Duration.ofDays(30), "localhost", "127.0.0.1");
        Files.writeString(dir.resolve("pebble.crt"), api.chainPem());
        Files.writeString(dir.resolve("pebble.key"), api.keyPem());
        Files.writeString(dir.resolve("api-root.pem"), ca.rootPem());
        return new Pebble(dir, ca, ChildPorts.free(), ChildPorts.free(), ChildPorts.free(), freeTcpAndUdpPort(), ChildPorts.free());
    }

    /** The ACME directory URL. */
    public URI directory() {
        return URI.create("https://localhost:" + acmePort + "/dir");
    }

    /** The PEM file of the CA that signed Pebble's API certificate: the router's {@code --acme-ca-root}. */
    public Path apiRootPem() {
        return dir.resolve("api-root.pem");
    }

    /**
     * Starts the DNS server and Pebble, its validation authority connecting to {@code httpPort} for
     * HTTP-01, issuing certificates valid for {@code validity}; returns when both listen.
     */
    public Pebble start(int httpPort, Duration validity) throws IOException {
        Files.writeString(dir.resolve("pebble-config.json"), """
                {"pebble": {
                  "listenAddress": "127.0.0.1:%d",
                  "managementListenAddress": "127.0.0.1:%d",
                  "certificate": "%s",
                  "privateKey": "%s",
                  "httpPort": %d,
                  "tlsPort": %d,
                  "ocspResponderURL": "",
                  "externalAccountBindingRequired": false,
                  "certificateValidityPeriod": %d
                }}
                """.formatted(acmePort, managementPort, dir.resolve("pebble.crt"), dir.resolve("pebble.key"), httpPort, tlsAlpnPort,
                validity.toSeconds()));
        run(List.of("/usr/bin/pebble-challtestsrv", "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "", "-dns01", "127.0.0.1:" + dnsPort,
                "-http01", "", "-https01", "", "-tlsalpn01", "", "-management", "127.0.0.1:" + dnsManagementPort), Map.of());
        run(List.of("/usr/bin/pebble", "-config", dir.resolve("pebble-config.json").toString(), "-dnsserver", "127.0.0.1:" + dnsPort),
                // no random sleeps before validation; no nonces refused at random (acme4j would retry, slower)
                Map.of("PEBBLE_VA_NOSLEEP", "1", "PEBBLE_WFE_NONCEREJECT", "0", "PEBBLE_AUTHZREUSE", "0"));
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                .failFast("pebble or pebble-challtestsrv exited: " + output, () -> processes.stream().anyMatch(p -> !p.isAlive()))
                .until(() -> listens(acmePort) && listens(managementPort) && listens(dnsManagementPort));
        return this;
    }

    /** Answers A queries for {@code host} with {@code ipv4} only (challtestsrv's management API). */
    public void resolve(String host, String ipv4) throws IOException, InterruptedException {
        manage("clear-a", "{\"host\":\"" + host + ".\"}");
        manage("add-a", "{\"host\":\"" + host + ".\",\"addresses\":[\"" + ipv4 + "\"]}");
    }

    private void manage(String call, String json) throws IOException, InterruptedException {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dnsManagementPort + "/" + call))
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("challtestsrv's " + call + " answered " + r.statusCode() + ": " + r.body());
        }
    }

    /** The root Pebble issues under (made anew each time Pebble starts), to verify the chains it issued. */
    public X509Certificate issuingRoot() throws Exception {
        HttpClient c = HttpClient.newBuilder().sslContext(apiCa.clientContext()).build();
        HttpResponse<byte[]> r = c.send(HttpRequest.newBuilder(URI.create("https://localhost:" + managementPort + "/roots/0")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
            throw new IOException("pebble's /roots/0 answered " + r.statusCode());
        }
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(r.body()));
    }

    /** What the two processes printed (for a failing test's message). */
    public List<String> output() {
        synchronized (output) {
            return List.copyOf(output);
        }
    }

    private void run(List<String> cmd, Map<String, String> env) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).directory(dir.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        processes.add(p);
        Thread.ofVirtual().name("pebble-output").start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    output.add(line);
                }
            } catch (IOException e) {
                // the process ended
            }
        });
    }

    private static boolean listens(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** challtestsrv's DNS server takes the same port over TCP and UDP. */
    private static int freeTcpAndUdpPort() throws IOException {
        for (int i = 0; i < 50; i++) {
            int port = ChildPorts.free();
            try (DatagramSocket u = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
                return port;
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no loopback port free for both TCP and UDP");
    }

    @Override
    public void close() {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
        }
        for (Process p : processes) {
            try {
                if (!p.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
