package io.glidepath.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.glidepath.cli.local.DataDir;
import io.glidepath.examples.SampleService;
import io.glidepath.platform.Instance;
import io.glidepath.server.store.JdbcStore;
import io.glidepath.server.store.StoreUrl;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI with its store on a real PostgreSQL, as users run it: a store out of reach stops the
 * server's start; {@code up --store} puts everything there, {@code down} finds the instances there;
 * the password is never on a command line, in output or in a log.
 */
class PostgresStoreCliTest {
    static final String PASSWORD = "cli-s3cret-pw";
    static EmbeddedPostgres pg;

    @TempDir
    Path work;
    DataDir dir;
    String lastOut;
    String lastErr;

    @BeforeAll
    static void postgres() throws Exception {
        pg = EmbeddedPostgres.builder().setDataDirectoryCustomizer(d -> {
            try { // the superuser needs no password; the role under test must give its own
                Files.writeString(d.toPath().resolve("pg_hba.conf"), """
                        local all postgres trust
                        host  all postgres 127.0.0.1/32 trust
                        host  all postgres ::1/128 trust
                        host  all all 127.0.0.1/32 scram-sha-256
                        host  all all ::1/128 scram-sha-256
                        """);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).start();
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE ROLE glidepath LOGIN PASSWORD '" + PASSWORD + "'");
            st.execute("CREATE DATABASE glidepath OWNER glidepath");
        }
    }

    @AfterAll
    static void stopPostgres() throws IOException {
        if (pg != null) {
            pg.close();
        }
    }

    @AfterEach
    void down() throws Exception {
        if (dir != null) {
            run(120, Map.of(StoreUrl.PASSWORD_ENV, PASSWORD), "down", "--data-dir", dir.root().toString());
        }
    }

    String url() {
        return "jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/glidepath?user=glidepath";
    }

    @Test
    void aStoreOutOfReachOrMisspeltStopsTheServerSayingWhichAndWhatToDo() throws Exception {
        Path d = work.resolve("gp");
        Files.createDirectories(d.resolve("router"));
        Files.writeString(d.resolve("router/admin.token"), "router-token\n");
        int closed = closedPort();
        String nowhere = "jdbc:postgresql://127.0.0.1:" + closed + "/glidepath?user=glidepath";
        assertThat(run(60, Map.of(), "server", "--data-dir", d.toString(), "--listen", "127.0.0.1:0", "--store", nowhere + "&password=" + PASSWORD))
                .isEqualTo(Main.FAILED);
        assertThat(lastErr).contains("glidepath server: cannot open the store " + nowhere + ": Connection to 127.0.0.1:" + closed + " refused")
                .contains("check that PostgreSQL runs there");
        assertThat(lastOut + lastErr).doesNotContain(PASSWORD).doesNotContain("glidepath server ready");

        assertThat(run(60, Map.of(), "server", "--data-dir", d.toString(), "--store", "mysql://root:" + PASSWORD + "@db/glidepath"))
                .isEqualTo(Main.INVALID_INPUT);
        assertThat(lastErr).contains("unknown store mysql://root:***@db/glidepath: write jdbc:postgresql://HOST:PORT/DB?user=USER")
                .doesNotContain(PASSWORD);
        assertThat(Files.exists(d.resolve("server/glidepath.db"))).as("no SQLite store made instead").isFalse();
    }

    @Test
    void upWithAPostgresqlStoreKeepsEverythingThereAndDownFindsTheInstancesThere() throws Exception {
        dir = new DataDir(work.resolve("gp"));
        String d = dir.root().toString();
        // the password written in the URL: up hands it to the server by its environment, never its arguments
        assertThat(run(90, Map.of(), "up", "--data-dir", d, "--listen", "127.0.0.1:0", "--api", "127.0.0.1:0", "--store", url() + "&password=" + PASSWORD))
                .as(lastErr).isZero();
        assertThat(lastOut).contains("store      " + url()).doesNotContain(PASSWORD);
        ProcessHandle server = dir.process("server").orElseThrow();
        List<String> argv = List.of(Files.readString(Path.of("/proc/" + server.pid() + "/cmdline")).split("\0"));
        assertThat(argv).contains("--store", url()).noneMatch(a -> a.contains(PASSWORD));
        assertThat(Files.readString(dir.storeRecord()).strip()).as("recorded for down and the next up, without its password").isEqualTo(url());

        assertThat(run(120, Map.of(), "deploy", "--data-dir", d, release("v1").toString())).as(lastOut + lastErr).isZero();
        assertThat(lastOut).contains("promoted");
        assertThat(Files.exists(dir.database())).as("nothing in SQLite").isFalse();
        List<Instance> instances;
        try (JdbcStore store = JdbcStore.open(StoreUrl.parse(url(), Optional.of(PASSWORD)))) {
            assertThat(store.releases(10)).hasSize(1).allMatch(r -> r.outcome().map(o -> o.name().equals("PROMOTED")).orElse(false));
            assertThat(store.service("shop").orElseThrow().currentVersion()).isEqualTo("v1");
            instances = store.instances();
        }
        assertThat(instances).hasSize(2);

        // without the password down cannot read the instance registry: it stops nothing and says what to do
        assertThat(run(60, Map.of(), "down", "--data-dir", d)).isEqualTo(Main.FAILED);
        assertThat(lastErr).contains("glidepath down: cannot open the store " + url()).contains("Nothing was stopped");
        assertThat(server.isAlive()).isTrue();

        assertThat(run(120, Map.of(StoreUrl.PASSWORD_ENV, PASSWORD), "down", "--data-dir", d)).as(lastErr).isZero();
        assertThat(lastOut).contains("stopped 2 service instances");
        assertThat(instances).noneMatch(i -> ProcessHandle.of(i.pid()).map(ProcessHandle::isAlive).orElse(false));
        assertThat(Files.readString(dir.log("server"))).contains("store " + url()).doesNotContain(PASSWORD);
        dir = null;
    }

    int run(int timeoutSeconds, Map<String, String> env, String... args) throws Exception {
        try (CliProcess p = CliProcess.start(env, args)) {
            int code = p.waitFor(timeoutSeconds);
            lastOut = p.out();
            lastErr = p.err();
            return code;
        }
    }

    Path release(String version) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        String cp = Path.of(SampleService.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        Path f = work.resolve(version + ".yaml");
        Files.writeString(f, """
                services:
                  - name: shop
                    version: %s
                    run:
                      command: [%s, -XX:TieredStopAtLevel=1, -XX:+UseSerialGC, -Xmx96m, -cp, %s, io.glidepath.examples.SampleService]
                      env: {PORT: "{{port}}", VERSION: "{{version}}"}
                      replicas: 2
                      stopGrace: 5s
                    route: {pathPrefix: /}
                    readiness: {path: /ready, interval: 100ms, deadline: 20s}
                    analysis: {interval: 1s, minRequests: 20, postPromotion: 1s}
                    keepPrevious: 1s
                """.formatted(version, java, cp));
        return f;
    }

    /** A loopback port nothing listens on (one that was free a moment ago). */
    static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
