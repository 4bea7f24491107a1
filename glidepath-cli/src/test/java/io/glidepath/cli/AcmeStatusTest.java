package io.glidepath.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.glidepath.cli.local.DataDir;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.RouteMatch;
import io.glidepath.route.RouteSpec;
import io.glidepath.router.client.RouterAdminClient;
import io.glidepath.testkit.acme.Pebble;
import io.glidepath.testkit.net.ChildPorts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code glidepath up --tls-listen --acme ...} against a real pebble: up hands the ACME flags to the router
 * it keeps running, a route's host gets its certificate, and {@code glidepath status} shows the name
 * with its state and renewal date.
 */
class AcmeStatusTest {
    @TempDir
    Path work;
    DataDir dir;
    Pebble pebble;

    @AfterEach
    void down() throws Exception {
        if (dir != null) {
            glidepath("down");
        }
        if (pebble != null) {
            pebble.close();
        }
    }

    @Test
    void upGetsARoutesCertificateFromTheCaAndStatusShowsIt() throws Exception {
        pebble = Pebble.prepare(work.resolve("pebble"));
        int plain = ChildPorts.free(); // pebble validates HTTP-01 there, so it is known before up
        dir = new DataDir(work.resolve("gp"));
        glidepath("up", "--listen", "127.0.0.1:" + plain, "--api", "127.0.0.1:0", "--router-admin", "127.0.0.1:0",
                "--tls-listen", "127.0.0.1:" + ChildPorts.free(), "--acme", "--acme-directory", pebble.directory().toString(),
                "--acme-email", "ops@example.test", "--acme-ca-root", pebble.apiRootPem().toString());
        pebble.start(plain, Duration.ofDays(90));
        var endpoints = dir.endpoints().orElseThrow();
        RouterAdminClient admin = RouterAdminClient.of(endpoints.routerAdmin().host(), endpoints.routerAdmin().port(), dir.routerToken());
        admin.put(RouteSpec.of("web", new RouteMatch("a.example.test", "/"), List.of(new EndpointAddress("127.0.0.1", 9))), OptionalLong.empty());

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                .until(() -> admin.certificates().at("/acme/names/0/state").asText().equals("valid"));
        String status = glidepath("status");
        assertThat(status).contains("acme    1 name from " + pebble.directory())
                .containsPattern("a\\.example\\.test  VALID  renews from \\d{4}-\\d\\d-\\d\\d")
                .containsPattern("a\\.example\\.test\\.pem  a\\.example\\.test  expires \\d{4}-\\d\\d-\\d\\d \\(8\\d days\\)");
    }

    private String glidepath(String... args) throws Exception {
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--data-dir";
        all[args.length + 1] = dir.root().toString();
        try (CliProcess p = CliProcess.start(all)) {
            assertThat(p.waitFor(120)).as(p.out() + p.err()).isZero();
            return p.out();
        }
    }

}
