package io.glidepath.cli.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.glidepath.cli.Main;
import io.glidepath.cli.client.ServerClient;
import io.glidepath.cli.local.DataDir;
import io.glidepath.cli.term.Terminal;
import io.glidepath.cli.validate.ReleaseFile;
import io.glidepath.journal.EventJson;
import io.glidepath.spec.InvalidSpecException;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.spec.ServiceSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import sun.misc.Signal;

/** {@code glidepath deploy FILE}: submit a release and follow it live to its end. */
@Command(name = "deploy", mixinStandardHelpOptions = true,
        description = {"Submits a release file to the server and follows it live: each service's phase, weight,",
                "stable and canary traffic, error rate and p99; then a summary. Ctrl-C detaches: the release goes on.",
                "Exit codes: 0 promoted (or unchanged), 1 rolled back, stopped (a fleet's failure budget exceeded with then: keep),",
                "failed or refused, 2 invalid input, 3 server unreachable."})
public final class DeployCommand implements Callable<Integer> {
    enum Output { TEXT, JSON }

    @Parameters(index = "0", paramLabel = "FILE", description = "The release file (YAML or JSON).")
    Path file;

    @Option(names = "--data-dir", description = "Default .glidepath (or $GLIDEPATH_DATA_DIR).")
    Path dataDir;

    @Option(names = "--detach", description = "Submit and return at once with the release id.")
    boolean detach;

    @Option(names = "--queue", description = "When another release holds one of its services, wait for it instead of being refused.")
    boolean queue;

    @Option(names = "--override-window", description = "Deploy even though a deploy window of the server's policy is closed (an admin token; "
            + "needs --reason; journaled and audited).")
    boolean overrideWindow;

    @Option(names = "--reason", paramLabel = "TEXT", description = "Why the window is overridden.")
    String reason;

    @Option(names = "--output", defaultValue = "text", description = "text or json (the summary as JSON on stdout; progress on stderr).")
    Output output;

    @Override
    public Integer call() throws Exception {
        if (overrideWindow != (reason != null && !reason.isBlank())) {
            System.err.println("glidepath deploy: --override-window and --reason go together: say why the closed window is overridden");
            return Main.INVALID_INPUT;
        }
        ReleaseFile release;
        try {
            release = ReleaseFile.read(file);
        } catch (InvalidSpecException e) {
            return ReleaseFile.reportErrors(file, e.errors());
        }
        ReleaseSpec spec = release.spec();
        String text = release.text();
        JsonNode submitted;
        ServerClient client;
        try {
            client = ServerClient.of(DataDir.of(dataDir));
            submitted = client.submit(file.toString(), file.toAbsolutePath().getParent().toString(), System.getProperty("user.name", "cli"), text, queue,
                    overrideWindow ? reason.strip() : null);
        } catch (ServerClient.Unreachable e) {
            System.err.println("glidepath deploy: " + e.getMessage());
            return Main.UNREACHABLE;
        } catch (ServerClient.ApiError e) {
            if (e.status() == 400) {
                e.body().path("errors").forEach(x -> System.err.println(x.path("text").asText()));
                System.err.println(e.getMessage());
                return Main.INVALID_INPUT;
            }
            System.err.println("glidepath deploy: refused: " + e.getMessage());
            return Main.FAILED;
        }
        String id = submitted.path("id").asText();
        boolean queued = submitted.path("state").asText().equals("QUEUED");
        if (submitted.has("policy") && output != Output.JSON) {
            // what the server's policy asks of it: windows, the approval it waits for, the evidence it must pass first
            java.util.List<String> lines = io.glidepath.cli.plan.PolicyView.lines(submitted.path("policy"));
            if (!lines.isEmpty() && !lines.get(0).startsWith("policy: none")) {
                lines.forEach(System.err::println);
            }
            if (submitted.path("policy").path("approvals").size() > 0) {
                System.err.println("release " + id + " waits for approval: someone other than you runs glidepath approve " + id);
            }
        }
        if (submitted.has("risk")) {
            // strategy: auto as the server chose it: the progress shows the steps it runs
            spec = spec.withChosenStrategies(io.glidepath.cli.plan.RiskView.chosen(submitted.path("risk")));
            if (output != Output.JSON) {
                io.glidepath.cli.plan.RiskView.lines(submitted.path("risk")).stream().filter(l -> l.startsWith("risk: ") || l.contains("strategy auto"))
                        .forEach(System.err::println);
            }
        }
        if (detach) {
            System.out.println(output == Output.JSON ? submitted.toPrettyString() : (queued ? "queued release " + id + " behind release "
                    + submitted.path("queuedBehind").asText() : "submitted release " + id) + "; follow it with: glidepath status");
            return Main.OK;
        }
        return follow(client, id, spec);
    }

    private int follow(ServerClient client, String id, ReleaseSpec spec) {
        Terminal term = output == Output.JSON ? new Terminal(System.err, false) : Terminal.stdout();
        Instant start = Instant.now();
        Thread main = Thread.currentThread();
        Signal.handle(new Signal("INT"), s -> main.interrupt());
        ReleaseFollower.Followed f;
        try {
            f = ReleaseFollower.follow(client, id, spec, term, output == Output.JSON);
        } catch (InterruptedException e) {
            System.err.println();
            System.err.println("detached: release " + id + " goes on in the server. Follow it with: glidepath status; stop it with: glidepath abort " + id);
            return 130;
        }
        JsonNode end = f.finished();
        if (end == null) {
            System.err.println("glidepath deploy: lost the server while following release " + id + "; it may still run: glidepath status");
            return Main.UNREACHABLE;
        }
        Duration took = Duration.between(start, Instant.now());
        List<JsonNode> restored = f.ofKind("trafficRestored");
        // how each service ended (null: never started), with its wave
        Map<String, Integer> waveOf = new LinkedHashMap<>();
        List<List<ServiceSpec>> waves = spec.waves();
        for (int w = 0; w < waves.size(); w++) {
            for (ServiceSpec s : waves.get(w)) {
                waveOf.put(s.name(), w + 1);
            }
        }
        Map<String, JsonNode> ended = new LinkedHashMap<>();
        waveOf.keySet().forEach(name -> ended.put(name, null));
        f.ofKind("phase").forEach(e -> ended.put(e.path("service").asText(), e));
        FleetBoard fleets = new FleetBoard(spec);
        f.events().forEach(fleets::event);
        if (output == Output.JSON) {
            ObjectNode n = EventJson.MAPPER.createObjectNode();
            n.put("release", id);
            n.put("outcome", f.outcome());
            n.put("message", end.path("message").asText());
            n.put("seconds", took.toMillis() / 1000.0);
            ObjectNode svc = n.putObject("services");
            ended.forEach((name, e) -> svc.putObject(name).put("wave", waveOf.get(name)).put("phase", e == null ? "PENDING" : e.path("phase").asText())
                    .put("version", spec.service(name).orElseThrow().version()));
            if (!fleets.isEmpty()) {
                n.set("fleets", fleets.json());
            }
            restored.stream().filter(r -> !r.has("service")).findFirst().or(() -> restored.stream().findFirst())
                    .ifPresent(r -> n.put("decisionToStableMillis", r.path("millis").asLong()));
            System.out.println(n.toPrettyString());
        } else {
            System.out.println();
            String msg = end.path("message").asText();
            System.out.println(term.bold(f.succeeded() ? term.green(msg) : term.red(msg)) + String.format(Locale.ROOT, " (%.1fs)", took.toMillis() / 1000.0));
            if (ended.size() > 1) {
                // a fleet's customers as one line per ring, after the services
                ended.forEach((name, e) -> {
                    if (!fleets.covers(name)) {
                        System.out.println(String.format(Locale.ROOT, "  wave %d  %-16s %-10s %s", waveOf.get(name), name,
                                spec.service(name).orElseThrow().version(), e == null ? "not started" : PhaseText.of(e.path("phase").asText())));
                    }
                });
                fleets.lines(true).forEach(System.out::println);
            }
            // the release-wide figure when there is one (several services flipped back), else the service's
            restored.stream().filter(r -> !r.has("service")).findFirst().or(() -> restored.stream().findFirst()).ifPresent(r -> System.out.println(
                    "  traffic was back on the previous version" + (r.has("service") ? "" : "s") + " " + r.path("millis").asLong()
                            + " ms after the rollback decision"));
        }
        return f.succeeded() ? Main.OK : Main.FAILED;
    }
}
