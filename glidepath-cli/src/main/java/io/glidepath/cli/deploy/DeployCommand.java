package io.glidepath.cli.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.glidepath.cli.Main;
import io.glidepath.cli.client.ServerClient;
import io.glidepath.cli.local.DataDir;
import io.glidepath.cli.term.Terminal;
import io.glidepath.engine.EventJson;
import io.glidepath.spec.InvalidSpecException;
import io.glidepath.spec.ReleaseReader;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.spec.ServiceSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import sun.misc.Signal;

/** {@code glidepath deploy FILE}: submit a release and follow it live to its end. */
@Command(name = "deploy", mixinStandardHelpOptions = true,
        description = {"Submits a release file to the server and follows it live: each service's phase, weight,",
                "stable and canary traffic, error rate and p99; then a summary. Ctrl-C detaches: the release goes on.",
                "Exit codes: 0 promoted (or unchanged), 1 rolled back, failed or refused, 2 invalid input, 3 server unreachable."})
public final class DeployCommand implements Callable<Integer> {
    enum Output { TEXT, JSON }

    @Parameters(index = "0", paramLabel = "FILE", description = "The release file (YAML or JSON).")
    Path file;

    @Option(names = "--data-dir", description = "Default .glidepath (or $GLIDEPATH_DATA_DIR).")
    Path dataDir;

    @Option(names = "--detach", description = "Submit and return at once with the release id.")
    boolean detach;

    @Option(names = "--output", defaultValue = "text", description = "text or json (the summary as JSON on stdout; progress on stderr).")
    Output output;

    @Override
    public Integer call() throws Exception {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            System.err.println(file + ":1:1: cannot read the file: " + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage()));
            return Main.INVALID_INPUT;
        }
        ReleaseSpec spec;
        try {
            spec = ReleaseReader.read(file.toString(), text);
        } catch (InvalidSpecException e) {
            e.errors().forEach(System.err::println);
            System.err.println(e.errors().size() + (e.errors().size() == 1 ? " error" : " errors") + " in " + file + "; nothing was started.");
            return Main.INVALID_INPUT;
        }
        JsonNode submitted;
        ServerClient client;
        try {
            client = ServerClient.of(DataDir.of(dataDir));
            submitted = client.submit(file.toString(), file.toAbsolutePath().getParent().toString(), System.getProperty("user.name", "cli"), text);
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
        if (detach) {
            System.out.println(output == Output.JSON ? submitted.toPrettyString() : "submitted release " + id + "; follow it with: glidepath status");
            return Main.OK;
        }
        return follow(client, id, spec);
    }

    private int follow(ServerClient client, String id, ReleaseSpec spec) throws InterruptedException {
        Terminal term = output == Output.JSON ? new Terminal(System.err, false) : Terminal.stdout();
        Duration interval = spec.services().stream().map(s -> s.analysis().interval()).findFirst().orElse(Duration.ofSeconds(1));
        Progress progress = new Progress(term, id, spec.services().stream().map(ServiceSpec::name).toList(), interval);
        AtomicLong lastSeq = new AtomicLong();
        AtomicReference<JsonNode> finished = new AtomicReference<>();
        Map<String, JsonNode> lastPhase = new LinkedHashMap<>();
        AtomicReference<JsonNode> restored = new AtomicReference<>();
        Instant start = Instant.now();
        Thread main = Thread.currentThread();
        Signal.handle(new Signal("INT"), s -> main.interrupt());
        Thread follower = Thread.ofVirtual().start(() -> {
            int failures = 0;
            while (finished.get() == null && failures < 20) {
                try {
                    client.follow(id, lastSeq.get(), e -> {
                        lastSeq.set(e.path("seq").asLong());
                        String kind = e.path("kind").asText();
                        if (kind.equals("phase")) {
                            lastPhase.put(e.path("service").asText(), e);
                        } else if (kind.equals("trafficRestored")) {
                            restored.set(e);
                        }
                        if (output == Output.JSON) {
                            System.err.println(e.path("message").asText());
                        } else {
                            progress.event(e);
                        }
                        if (kind.equals("finished")) {
                            finished.set(e);
                            return false;
                        }
                        return true;
                    });
                    failures = 0;
                } catch (ServerClient.Unreachable | ServerClient.ApiError e) {
                    failures++;
                }
                if (finished.get() == null) {
                    java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(250).toNanos()); // before reconnecting
                }
            }
        });
        try {
            follower.join();
        } catch (InterruptedException e) {
            System.err.println();
            System.err.println("detached: release " + id + " goes on in the server. Follow it with: glidepath status; stop it with: glidepath abort " + id);
            return 130;
        }
        progress.done();
        JsonNode end = finished.get();
        if (end == null) {
            System.err.println("glidepath deploy: lost the server while following release " + id + "; it may still run: glidepath status");
            return Main.UNREACHABLE;
        }
        String outcome = end.path("outcome").asText();
        Duration took = Duration.between(start, Instant.now());
        if (output == Output.JSON) {
            ObjectNode n = EventJson.MAPPER.createObjectNode();
            n.put("release", id);
            n.put("outcome", outcome);
            n.put("message", end.path("message").asText());
            n.put("seconds", took.toMillis() / 1000.0);
            ObjectNode svc = n.putObject("services");
            lastPhase.forEach((name, e) -> svc.putObject(name).put("phase", e.path("phase").asText()).put("version", e.path("version").asText()));
            if (restored.get() != null) {
                n.put("decisionToStableMillis", restored.get().path("millis").asLong());
            }
            System.out.println(n.toPrettyString());
        } else {
            System.out.println();
            System.out.println(term.bold(outcome.equals("PROMOTED") || outcome.equals("UNCHANGED") ? term.green(end.path("message").asText())
                    : term.red(end.path("message").asText())) + String.format(java.util.Locale.ROOT, " (%.1fs)", took.toMillis() / 1000.0));
            if (restored.get() != null) {
                System.out.println("  traffic was back on the previous version " + restored.get().path("millis").asLong() + " ms after the rollback decision");
            }
        }
        return outcome.equals("PROMOTED") || outcome.equals("UNCHANGED") ? Main.OK : Main.FAILED;
    }
}
