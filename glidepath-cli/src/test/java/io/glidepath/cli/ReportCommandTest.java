package io.glidepath.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.analysis.Verdict;
import io.glidepath.cli.local.DataDir;
import io.glidepath.journal.EventJson;
import io.glidepath.journal.Outcome;
import io.glidepath.journal.Phase;
import io.glidepath.journal.ReleaseEvent;
import io.glidepath.journal.RollbackCause;
import io.glidepath.route.EndpointAddress;
import io.glidepath.router.Router;
import io.glidepath.server.Server;
import io.glidepath.server.store.JdbcStore;
import io.glidepath.store.ReleaseRecord;
import io.glidepath.time.Clock;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code glidepath report} against a real server (router and server in this JVM) whose store holds a
 * release its canary's analysis rolled back: Markdown by default, JSON with {@code --output json}, a file
 * written whole with {@code --file}, and the exit codes of the other commands (1 unknown release, 2 bad
 * input, 3 no server).
 */
class ReportCommandTest {
    static final Instant T = Instant.parse("2026-11-27T10:00:00Z");
    static final String RELEASE = "shop-7";

    @TempDir
    static Path work;
    static DataDir dir;
    static Router router;
    static Server server;

    @RegisterExtension
    final ConsoleCapture console = new ConsoleCapture();
    final ByteArrayOutputStream out = console.out;
    final ByteArrayOutputStream err = console.err;

    @BeforeAll
    static void aServerWithARolledBackRelease() throws Exception {
        dir = new DataDir(work.resolve("gp"));
        try (JdbcStore store = JdbcStore.sqlite(Server.defaultDatabase(dir.root()))) {
            String file = """
                    release: shop-7
                    services:
                      - {name: shop, version: v2, run: {command: [shop]}, route: {pathPrefix: /}, steps: [{weight: 20}, {bake: 30s}]}
                    """;
            store.createRelease(new ReleaseRecord(RELEASE, "shop.yaml", file, work.toString(), List.of("shop"), "alice", T,
                    Optional.of(Outcome.ROLLED_BACK), Optional.of("shop: analysis failed 2 intervals in a row"), Optional.of(T.plusSeconds(9))));
            for (ReleaseEvent e : List.of(
                    new ReleaseEvent.Submitted(T.plusMillis(5), null, "release shop-7 submitted by alice: shop v2", List.of("shop"), List.of()),
                    new ReleaseEvent.PhaseChanged(T.plusSeconds(1), "shop", "shop starting", Phase.STARTING, "v2"),
                    new ReleaseEvent.TrafficChanged(T.plusSeconds(3), "shop", "canary v2 at 20%", "v1", "v2", 2000, 3),
                    new ReleaseEvent.VerdictGiven(T.plusSeconds(5), "shop", "fail: canary error rate 30% (60 of 200) is above the 1% allowed",
                            Verdict.Outcome.FAIL, 800, 0.0, 200, 0.3, 15.0, 14.0),
                    new ReleaseEvent.RollbackDecided(T.plusSeconds(6), "shop", "rolling back shop v2: analysis failed 2 intervals in a row",
                            "analysis failed 2 intervals in a row", RollbackCause.ANALYSIS),
                    new ReleaseEvent.TrafficRestored(T.plusMillis(6_007), "shop", "all traffic back on v1 7 ms after the decision", 7),
                    new ReleaseEvent.PhaseChanged(T.plusSeconds(8), "shop", "shop rolled back", Phase.ROLLED_BACK, "v2"),
                    new ReleaseEvent.Finished(T.plusSeconds(9), null, "release shop-7 rolled back", Outcome.ROLLED_BACK,
                            "shop: analysis failed 2 intervals in a row", RollbackCause.ANALYSIS))) {
                store.append(RELEASE, e);
            }
        }
        router = Router.start(Router.Config.loopback(dir.routerState()));
        server = Server.start(new Server.Config(dir.root(), "127.0.0.1", 0, URI.create("http://127.0.0.1:" + router.adminAddress().getPort()),
                dir.routerToken(), new EndpointAddress("127.0.0.1", router.proxyAddress().getPort()), Clock.system()));
        dir.writeEndpoints(new DataDir.Endpoints(new EndpointAddress("127.0.0.1", router.proxyAddress().getPort()),
                new EndpointAddress("127.0.0.1", router.adminAddress().getPort()), new EndpointAddress("127.0.0.1", server.address().getPort())));
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (router != null) {
            router.close();
        }
    }

    int report(String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "report";
        System.arraycopy(args, 0, all, 1, args.length);
        all[args.length + 1] = "--data-dir";
        all[args.length + 2] = dir.root().toString();
        return Main.run(all);
    }

    String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void printsTheReportAsMarkdownByDefault() {
        assertThat(report(RELEASE)).as(err()).isZero();
        assertThat(out()).startsWith("""
                # Sign-off report: release shop-7

                - **Outcome:** rolled back (cause: analysis)
                - **Release file:** shop.yaml
                - **Submitted:** 2026-11-27 10:00:00.000 UTC by alice
                - **Finished:** 2026-11-27 10:00:09.000 UTC, 9.0s after submission
                - **Reason:** shop: analysis failed 2 intervals in a row

                ## Services

                | Wave | Service | Version | Strategy | Instances | Canary steps | Ended |
                |---|---|---|---|---|---|---|
                | 1 | shop | v2 | canary | 0 | 0 of 2 | rolled back |

                ## Rollback

                - **Cause:** analysis
                - **Began with:** shop
                - **Why:** analysis failed 2 intervals in a row
                - **Decided:** +6.0s (2026-11-27 10:00:06.000 UTC)
                - **Traffic back on the previous versions:** 7 ms after the decision
                """).contains("| +5.0s | shop | FAIL | canary 20% | canary 30.00% errors over 200 requests, p99 15 ms; stable 0.00% over 800, "
                + "p99 14 ms |   | fail: canary error rate 30% (60 of 200) is above the 1% allowed |");
        assertThat(out()).doesNotContain("\u001b[");
    }

    @Test
    void printsItAsJsonForPrograms() throws Exception {
        assertThat(report(RELEASE, "--output", "json")).as(err()).isZero();
        JsonNode r = EventJson.MAPPER.readTree(out());
        assertThat(r.at("/release/state").asText()).isEqualTo("ROLLED_BACK");
        assertThat(r.at("/outcome/rollback/cause").asText()).isEqualTo("ANALYSIS");
        assertThat(r.at("/outcome/rollback/trafficBackMillis").asLong()).isEqualTo(7);
        assertThat(r.at("/verified/verdicts/0/canaryErrorRate").asDouble()).isEqualTo(0.3);
        assertThat(r.at("/verified/verdicts/0/stableRequests").asLong()).isEqualTo(800);
    }

    @Test
    void writesTheFileWholeReplacingAnOldOne() throws Exception {
        Path folder = Files.createDirectories(work.resolve("tickets"));
        Path file = folder.resolve("shop-7.md");
        Files.writeString(file, "an older report\n");
        assertThat(report(RELEASE, "--file", file.toString())).as(err()).isZero();
        assertThat(out()).isEqualTo("wrote the report of release shop-7 to " + file + "\n");
        assertThat(Files.readString(file)).startsWith("# Sign-off report: release shop-7\n").contains("## Rollback").endsWith(" lists every event.\n");
        try (var left = Files.list(folder)) {
            assertThat(left).as("no temporary file left beside it").containsExactly(file);
        }
        Path json = folder.resolve("shop-7.json");
        assertThat(report(RELEASE, "--output", "json", "--file", json.toString())).isZero();
        assertThat(EventJson.MAPPER.readTree(Files.readString(json)).at("/release/id").asText()).isEqualTo(RELEASE);
    }

    @Test
    void exitCodesAsTheOtherCommands() {
        assertThat(report("no-such-release")).isEqualTo(Main.FAILED);
        assertThat(err()).isEqualTo("glidepath report: no release no-such-release; GET /v1/releases (glidepath history) lists the releases\n");
        assertThat(report(RELEASE, "--output", "pdf")).isEqualTo(Main.INVALID_INPUT);
        assertThat(err()).contains("--output").contains("MARKDOWN, JSON");
        Path nowhere = work.resolve("missing/folder/r.md");
        assertThat(report(RELEASE, "--file", nowhere.toString())).isEqualTo(Main.INVALID_INPUT);
        assertThat(err()).contains("glidepath report: --file " + nowhere + ": no such directory " + nowhere.getParent() + "; create it first");
        assertThat(Main.run("report", RELEASE, "--data-dir", work.resolve("nothing-here").toString())).isEqualTo(Main.UNREACHABLE);
        assertThat(err()).contains("glidepath report: Glidepath is not running here");
    }
}
