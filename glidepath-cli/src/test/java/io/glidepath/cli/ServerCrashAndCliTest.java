package io.glidepath.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.cli.client.ServerClient;
import io.glidepath.cli.local.DataDir;
import io.glidepath.journal.EventJson;
import io.glidepath.examples.SampleService;
import io.glidepath.server.store.JdbcStore;
import io.glidepath.journal.StoredEvent;
import io.glidepath.testkit.load.LoadGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI as users run it, as processes: up, deploy, a server killed mid-canary, up again, status, history, logs, down. */
class ServerCrashAndCliTest {
    @TempDir
    Path work;
    DataDir dir;
    LoadGenerator load;

    com.sun.net.httpserver.HttpServer receiver;

    @AfterEach
    void down() throws Exception {
        if (receiver != null) {
            receiver.stop(0);
        }
        if (load != null) {
            load.close();
        }
        if (dir != null) {
            try (CliProcess p = CliProcess.start("down", "--data-dir", dir.root().toString())) {
                p.waitFor(120);
            }
        }
    }

    Path release(String version, String extraEnv, String extra) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        String cp = Path.of(SampleService.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        Path f = work.resolve(version + ".yaml");
        Files.writeString(f, """
                services:
                  - name: shop
                    version: %s
                    run:
                      command: [%s, -XX:TieredStopAtLevel=1, -XX:+UseSerialGC, -Xmx96m, -cp, %s, io.glidepath.examples.SampleService]
                      env: {PORT: "{{port}}", VERSION: "{{version}}"%s}
                      replicas: 2
                      stopGrace: 5s
                    route: {pathPrefix: /}
                    readiness: {path: /ready, interval: 100ms, deadline: 20s}
                    analysis: {interval: 1s, minRequests: 20, postPromotion: 1s}
                    keepPrevious: 1s
                %s""".formatted(version, java, cp, extraEnv, extra));
        return f;
    }

    int run(int timeoutSeconds, String... args) throws Exception {
        return runAs(null, timeoutSeconds, args);
    }

    /** As a holder of {@code token} (GLIDEPATH_TOKEN), or with the server's own token when null. */
    int runAs(String token, int timeoutSeconds, String... args) throws Exception {
        try (CliProcess p = CliProcess.start(token == null ? java.util.Map.of() : java.util.Map.of(ServerClient.TOKEN_ENV, token), args)) {
            int code = p.waitFor(timeoutSeconds);
            lastOut = p.out();
            lastErr = p.err();
            return code;
        }
    }

    String lastOut;
    String lastErr;

    @Test
    void killingTheServerMidCanaryNeverTouchesUsersAndTheNextServerGoesOnWithTheRelease() throws Exception {
        dir = new DataDir(work.resolve("gp"));
        String d = dir.root().toString();
        // a webhook receiver: what the server that finishes the killed server's release announces
        List<String> hooks = new java.util.concurrent.CopyOnWriteArrayList<>();
        receiver = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", x -> {
            hooks.add(new String(x.getRequestBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
            x.sendResponseHeaders(200, -1);
            x.close();
        });
        receiver.start();
        Files.createDirectories(dir.server());
        Files.writeString(dir.server().resolve("hook.secret"), "test-key\n");
        Files.writeString(dir.server().resolve("webhooks.yaml"), "webhooks:\n  - name: test\n    url: http://127.0.0.1:"
                + receiver.getAddress().getPort() + "/hook\n    secretFile: hook.secret\n");
        assertThat(run(90, "up", "--data-dir", d, "--listen", "127.0.0.1:0", "--api", "127.0.0.1:0")).as(lastErr).isZero();
        assertThat(lastOut).contains("Glidepath is up in " + d).containsPattern("  dashboard  http://127\\.0\\.0\\.1:\\d+/  ");
        assertThat(run(90, "up", "--data-dir", d)).isZero();
        assertThat(lastOut).as("a second up reports what runs").contains("Glidepath already runs in " + d);

        assertThat(run(120, "deploy", "--data-dir", d, release("v1", "", "").toString())).as(lastOut + lastErr).isZero();
        assertThat(lastOut).contains("release").contains("promoted");

        // plan asks the running server what runs: v1 again is a no-op, v2 replaces v1
        assertThat(run(30, "plan", "--data-dir", d, release("v1", "", "").toString())).as(lastErr).isZero();
        assertThat(lastOut).contains("no-op: v1 already runs").contains("no-ops: shop (already run their versions)");
        assertThat(run(30, "plan", "--data-dir", d, "--output", "json", release("v2", "", "").toString())).as(lastErr).isZero();
        JsonNode plan = EventJson.MAPPER.readTree(lastOut);
        assertThat(plan.at("/waves/0/services/0/change").asText()).isEqualTo("replace");
        assertThat(plan.at("/waves/0/services/0/from").asText()).isEqualTo("v1");

        var endpoints = dir.endpoints().orElseThrow();
        // the server serves its dashboard page at the URL up printed
        var page = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(endpoints.dashboardUrl())).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<title>Glidepath</title>");
        load = new LoadGenerator(LoadGenerator.Config.of("127.0.0.1", endpoints.proxy().port(), 8).withRate(300).withUsersPerConnection(32)).start();
        await().atMost(Duration.ofSeconds(10)).until(() -> load.requestCount() > 200);

        assertThat(run(60, "deploy", "--data-dir", d, "--detach", release("v2", "", "    steps: [{weight: 30}, {bake: 5m}]\n").toString())).isZero();
        String id = lastOut.replaceAll("(?s).*submitted release (\\S+);.*", "$1").strip();
        ServerClient api = ServerClient.of(dir);
        await().atMost(Duration.ofSeconds(60)).until(() -> messages(api, id).contains("canary v2 at 30%"));

        // another release of shop queues behind it; status shows both
        assertThat(run(60, "deploy", "--data-dir", d, "--detach", "--queue", release("v5", "", "").toString())).as(lastErr).isZero();
        assertThat(lastOut).contains("queued release").contains("behind release " + id);
        String queued = lastOut.replaceAll("(?s).*queued release (\\S+) behind.*", "$1").strip();
        assertThat(run(30, "status", "--data-dir", d)).isZero();
        assertThat(lastOut).contains(", dashboard " + endpoints.dashboardUrl()).contains("RELEASE " + id + "  running").contains("  wave 1  shop             shifting")
                .contains("RELEASE " + queued + "  queued behind release " + id);

        // kill -9 the server mid-canary: the router goes on serving stable and canary
        List<String> canary = instancesOf(api, "v2");
        assertThat(canary).hasSize(2);
        ProcessHandle server = dir.process("server").orElseThrow();
        server.destroyForcibly();
        await().atMost(Duration.ofSeconds(10)).until(() -> !server.isAlive());
        long atKill = load.requestCount();
        await().atMost(Duration.ofSeconds(20)).until(() -> load.requestCount() > atKill + 600);
        assertThat(load.failures()).as("users' failed requests after the kill").isEmpty();
        assertThat(load.snapshot().byVersion()).containsKeys("v1", "v2");

        // the journal survived the kill
        try (JdbcStore store = JdbcStore.sqlite(dir.database())) {
            List<StoredEvent> journal = store.events(id, 0);
            assertThat(journal).extracting(e -> e.event().message()).contains("canary v2 at 30%");
            assertThat(store.release(id).orElseThrow().isFinished()).isFalse();
        }

        // a new server goes on with the release where its journal says it was, with the same canary instance
        assertThat(run(90, "up", "--data-dir", d)).as(lastErr).isZero();
        assertThat(lastOut).contains("server is up again");
        ServerClient again = ServerClient.of(dir);
        await().atMost(Duration.ofSeconds(30)).until(() -> messages(again, id).contains("going on after step 1 of 2: canary v2 at 30%"));
        assertThat(again.release(id).path("state").asText()).isEqualTo("RUNNING");
        assertThat(instancesOf(again, "v2")).as("the canary adopted, not restarted").isEqualTo(canary);
        assertThat(messages(again, id)).filteredOn(m -> m.startsWith("started 2 instances of v2")).hasSize(1);
        // a person aborts it from the CLI: the restarted server rolls it back (traffic first), stops the canary
        assertThat(run(30, "abort", id, "--data-dir", d)).as(lastErr).isZero();
        await().atMost(Duration.ofSeconds(30)).until(() -> again.release(id).path("state").asText().equals("ROLLED_BACK"));
        assertThat(again.release(id).path("reason").asText()).contains("aborted by");
        await("the resumed release's end announced").atMost(Duration.ofSeconds(20)).until(() -> hooks.stream().anyMatch(h ->
                h.contains("\"event\":\"rolledBack\"") && h.contains("\"release\":\"" + id + "\"") && h.contains("\"outcome\":\"ROLLED_BACK\"")
                        && h.contains("aborted by")));
        assertThat(again.release(queued).path("state").asText()).as("the queued release never started").isEqualTo("CANCELLED");
        assertThat(again.release(queued).path("reason").asText()).contains("the server stopped while it waited in the queue");
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            JsonNode svc = again.services().path("services").get(0);
            return svc.path("instances").size() == 2 && svc.path("route").path("canary").isNull();
        });
        assertThat(run(30, "status", "--data-dir", d)).isZero();
        assertThat(lastOut).contains("shop").contains("v1").contains("100% v1");

        load.close();
        assertThat(load.failures()).as("users' failed requests, whole test").isEmpty();

        // history, logs, exit codes
        assertThat(run(30, "history", "--data-dir", d)).isZero();
        assertThat(lastOut).contains(id).contains("ROLLED_BACK").contains("PROMOTED").contains("shop v2 canary");
        assertThat(run(30, "show", id, "--data-dir", d)).as(lastErr).isZero();
        assertThat(lastOut).contains("release " + id + " (").contains(": ROLLED_BACK after ").contains("reason: ")
                .contains("aborted by").containsPattern("wave 1 +shop +v2 +canary +rolled back")
                .contains("timeline:").containsPattern("\\+ *0\\.\\ds  release +release " + id + " submitted");
        assertThat(run(30, "show", id, "--output", "json", "--data-dir", d)).isZero();
        JsonNode shown = EventJson.MAPPER.readTree(lastOut);
        assertThat(shown.path("release").path("changes").get(0).path("strategy").asText()).isEqualTo("canary");
        // the risk at submission is journaled first, then the submission (issue 16)
        assertThat(shown.path("events").findValuesAsText("kind")).startsWith("risk", "submitted").endsWith("finished");
        assertThat(run(30, "show", "no-such-release", "--data-dir", d)).isEqualTo(Main.FAILED);
        assertThat(lastErr).contains("no release no-such-release");
        assertThat(run(30, "logs", "shop", "--version", "v1", "--data-dir", d)).isZero();
        assertThat(lastOut).contains("| sample-service sample v1 listening on 127.0.0.1:");
        // named tokens and roles, from the CLI; the token never reaches the server's log
        assertThat(run(30, "token", "create", "viewer-1", "--role", "viewer", "--data-dir", d)).as(lastErr).isZero();
        String viewer = lastOut.lines().filter(l -> l.startsWith("gpt_")).findFirst().orElseThrow();
        assertThat(runAs(viewer, 30, "history", "--data-dir", d)).as(lastErr).isZero();
        assertThat(lastOut).contains(id);
        assertThat(runAs(viewer, 30, "abort", id, "--data-dir", d)).isEqualTo(Main.FAILED);
        assertThat(lastErr).contains("this call needs the deployer role; token 'viewer-1' has the viewer role");
        assertThat(run(30, "token", "create", "Bad", "--role", "boss", "--data-dir", d)).isEqualTo(Main.INVALID_INPUT);
        assertThat(lastErr).contains("/name: a token name is").contains("/role: is not a role: viewer, deployer or admin");
        assertThat(run(30, "token", "list", "--data-dir", d)).isZero();
        assertThat(lastOut).containsPattern("viewer-1 +viewer ").doesNotContain(viewer);
        assertThat(run(30, "token", "revoke", "viewer-1", "--data-dir", d)).isZero();
        assertThat(runAs(viewer, 30, "history", "--data-dir", d)).isEqualTo(Main.FAILED);
        assertThat(lastErr).contains("missing, wrong or revoked bearer token");
        assertThat(run(30, "audit", "--output", "json", "--data-dir", d)).isZero();
        JsonNode audit = EventJson.MAPPER.readTree(lastOut).path("entries");
        assertThat(audit.findValuesAsText("action")).contains("token.create", "token.revoke", "release.abort", "release.submit");
        assertThat(audit.toString()).contains("\"token\":\"viewer-1\",\"user\":\"" + System.getProperty("user.name") + "\",\"action\":\"release.abort\"");
        assertThat(Files.readString(dir.run().resolve("server.log"))).doesNotContain(viewer);

        Path bad = work.resolve("bad.yaml");
        Files.writeString(bad, "services:\n  - name: shop\n    version: v9\n");
        assertThat(run(30, "deploy", "--data-dir", d, bad.toString())).isEqualTo(Main.INVALID_INPUT);
        assertThat(lastErr).contains(bad + ":2:5: services[0].run: is required").contains("nothing was started");
        assertThat(run(90, "deploy", "--data-dir", d, "--output", "json",
                release("v3", ", FAIL_READINESS: \"true\"", "").toString())).isEqualTo(Main.FAILED);
        JsonNode summary = EventJson.MAPPER.readTree(lastOut);
        assertThat(summary.path("outcome").asText()).isEqualTo("ROLLED_BACK");
        assertThat(summary.path("services").path("shop").path("phase").asText()).isEqualTo("ROLLED_BACK");
        assertThat(summary.path("services").path("shop").path("wave").asInt()).isEqualTo(1);
        assertThat(summary.path("services").path("shop").path("version").asText()).isEqualTo("v3");

        assertThat(run(120, "down", "--data-dir", d)).isZero();
        assertThat(lastOut).contains("Glidepath is down");
        assertThat(run(30, "deploy", "--data-dir", d, release("v4", "", "").toString())).as("server gone").isEqualTo(Main.UNREACHABLE);
        assertThat(lastErr).contains("glidepath up");
        dir = null;
    }

    /** The ids of shop's live instances of {@code version}. */
    static List<String> instancesOf(ServerClient api, String version) throws Exception {
        List<String> ids = new ArrayList<>();
        api.services().path("services").get(0).path("instances").forEach(i -> {
            if (i.path("version").asText().equals(version)) {
                ids.add(i.path("id").asText());
            }
        });
        ids.sort(null);
        return ids;
    }

    static List<String> messages(ServerClient api, String id) throws Exception {
        List<String> m = new java.util.ArrayList<>();
        api.events(id, 0).path("events").forEach(e -> m.add(e.path("message").asText()));
        return m;
    }
}
