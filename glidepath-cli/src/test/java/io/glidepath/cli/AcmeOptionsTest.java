package io.glidepath.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.glidepath.cli.options.EdgeOptions;
import io.glidepath.router.Router;
import io.glidepath.router.acme.AcmeSettings;
import io.glidepath.testkit.tls.TestCa;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * The ACME flags of {@code glidepath router}, {@code up} and {@code supervise-router}: what they give the
 * router, what they hand on to the router {@code up} starts, and bad values refused with what to do.
 */
class AcmeOptionsTest {
    @TempDir
    Path dir;

    @Command
    static final class Edge {
        @Mixin
        EdgeOptions edge;
    }

    static EdgeOptions parse(String... args) {
        Edge e = new Edge();
        new CommandLine(e).parseArgs(args);
        return e.edge;
    }

    @Test
    void theFlagsGiveTheRouterAnHttpsListenerWithAcmeAndAreHandedOnWhole() throws Exception {
        Path root = dir.resolve("root.pem");
        Files.writeString(root, TestCa.create().rootPem());
        EdgeOptions e = parse("--tls-listen", "127.0.0.1:8443", "--acme", "--acme-directory", "https://ca.internal:9000/acme/acme/directory",
                "--acme-email", "ops@example.com", "--acme-ca-root", root.toString());
        assertThat(e.problem()).isEmpty();
        Router.Config c = e.applyTo(Router.Config.loopback(dir));
        assertThat(c.tls().certificates()).as("no operator directory: ACME only").isNull();
        AcmeSettings acme = c.tls().acme();
        assertThat(acme.directory()).hasToString("https://ca.internal:9000/acme/acme/directory");
        assertThat(acme.email()).contains("ops@example.com");
        assertThat(acme.caRoot()).contains(root.toAbsolutePath());
        assertThat(e.routerArgs()).containsExactly("--tls-listen", "127.0.0.1:8443", "--acme", "--acme-directory",
                "https://ca.internal:9000/acme/acme/directory", "--acme-email", "ops@example.com", "--acme-ca-root", root.toAbsolutePath().toString());

        Files.createDirectories(dir.resolve("certs"));
        Router.Config both = parse("--tls-listen", "127.0.0.1:8443", "--certs", dir.resolve("certs").toString(), "--acme")
                .applyTo(Router.Config.loopback(dir));
        assertThat(both.tls().certificates()).isEqualTo(dir.resolve("certs").toAbsolutePath());
        assertThat(both.tls().acme().directory()).as("Let's Encrypt by default").isEqualTo(AcmeSettings.LETS_ENCRYPT);
        assertThat(both.tls().acme().email()).isEmpty();
        assertThat(both.tls().acme().caRoot()).isEmpty();
    }

    @Test
    void badValuesAreRefusedNamingTheFlagAndWhatToDo() throws Exception {
        Path notPem = dir.resolve("not.pem");
        Files.writeString(notPem, "hello");
        List<String> refusals = new ArrayList<>();
        for (String[] args : List.of(
                new String[] {"--acme"},
                new String[] {"--tls-listen", "127.0.0.1:8443", "--acme-email", "ops@example.com"},
                new String[] {"--tls-listen", "127.0.0.1:8443", "--acme", "--acme-directory", "http://ca.example.com/directory"},
                new String[] {"--tls-listen", "127.0.0.1:8443", "--acme", "--acme-directory", "https://bad host/dir"},
                new String[] {"--tls-listen", "127.0.0.1:8443", "--acme", "--acme-email", "ops at example.com"},
                new String[] {"--tls-listen", "127.0.0.1:8443", "--acme", "--acme-ca-root", dir.resolve("missing.pem").toString()},
                new String[] {"--tls-listen", "127.0.0.1:8443", "--acme", "--acme-ca-root", notPem.toString()},
                new String[] {"--tls-listen", "127.0.0.1:8443"})) {
            Optional<String> p = parse(args).problem();
            assertThat(p).as(String.join(" ", args)).isPresent();
            refusals.add(p.get());
        }
        assertThat(refusals.get(0)).isEqualTo("--acme needs --tls-listen: the certificates it gets are for the HTTPS listener");
        assertThat(refusals.get(1)).isEqualTo("--acme-email goes with --acme: add --acme to get certificates automatically");
        assertThat(refusals.get(2)).startsWith("--acme-directory 'http://ca.example.com/directory' must be an https URL with a host, such as "
                + "https://acme-v02.api.letsencrypt.org/directory");
        assertThat(refusals.get(3)).startsWith("--acme-directory 'https://bad host/dir' is not a URL");
        assertThat(refusals.get(4)).isEqualTo("--acme-email 'ops at example.com' is not an e-mail address, such as ops@example.com");
        assertThat(refusals.get(5)).isEqualTo("--acme-ca-root " + dir.resolve("missing.pem") + " is not a readable file: give the PEM file of the "
                + "ACME server's CA");
        assertThat(refusals.get(6)).isEqualTo("--acme-ca-root " + notPem + " holds no CERTIFICATE block: give the PEM file of the ACME server's CA");
        assertThat(refusals.get(7)).startsWith("--tls-listen and --certs go together").contains("--acme");
    }

    @Test
    void theRouterProcessRefusesABadAcmeFlagWithExitCode2AndStartsWithGoodOnes() throws Exception {
        Path state = dir.resolve("state");
        try (CliProcess router = CliProcess.start("router", "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--state-dir", state.toString(),
                "--tls-listen", "127.0.0.1:0", "--acme", "--acme-directory", "ftp://ca.example.com/dir")) {
            assertThat(router.waitFor(30)).isEqualTo(Main.INVALID_INPUT);
            assertThat(router.err()).contains("--acme-directory 'ftp://ca.example.com/dir' must be an https URL");
        }
        try (CliProcess router = CliProcess.start("router", "--state-dir", state.toString(), "--tls-listen", "127.0.0.1:0", "--acme",
                "--kubernetes-routes", "shop")) {
            assertThat(router.waitFor(30)).isEqualTo(Main.INVALID_INPUT);
            assertThat(router.err()).contains("--acme does not go with --kubernetes-routes: give the replicas their certificates with --certs");
        }
        assertThat(state).doesNotExist();
        try (CliProcess router = CliProcess.start("router", "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--state-dir", state.toString(),
                "--tls-listen", "127.0.0.1:0", "--acme", "--acme-directory", "https://127.0.0.1:9/dir", "--acme-email", "ops@example.com")) {
            RouterCommandTest.Ready ready = RouterCommandTest.awaitReady(router);
            var certificates = io.glidepath.router.client.RouterAdminClient.of(ready.admin().host(), ready.admin().port(), ready.token()).certificates();
            assertThat(certificates.path("tls").asBoolean()).isTrue();
            assertThat(certificates.at("/acme/directory").asText()).isEqualTo("https://127.0.0.1:9/dir");
            assertThat(certificates.at("/acme/names").size()).as("no route, nothing ordered").isZero();
            assertThat(state.resolve("acme/certs")).isDirectory();
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(state.resolve("acme")))).isEqualTo("rwx------");
        }
    }
}
