package io.glidepath.cli.ops;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.cli.Main;
import io.glidepath.cli.client.ServerClient;
import io.glidepath.cli.options.DataDirOption;
import io.glidepath.cli.options.OutputOption;
import io.glidepath.report.Words;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code glidepath history [SERVICE]}: releases, newest first. */
@Command(name = "history", mixinStandardHelpOptions = true, description = "Lists releases, newest first: who, when, each service's version and strategy, outcome, duration, rollback reason.")
public final class HistoryCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "SERVICE", description = "Only releases touching this service.")
    String service;

    @Option(names = "--limit", defaultValue = "20", description = "How many (default ${DEFAULT-VALUE}).")
    int limit;

    @Mixin
    DataDirOption dataDir;

    @Mixin
    OutputOption output;

    @Override
    public Integer call() {
        JsonNode list;
        try {
            list = ServerClient.of(dataDir.dir()).releases(limit, service);
        } catch (ServerClient.Unreachable e) {
            System.err.println("glidepath history: " + e.getMessage());
            return Main.UNREACHABLE;
        } catch (ServerClient.ApiError e) {
            System.err.println("glidepath history: " + e.getMessage());
            return e.status() == 400 ? Main.INVALID_INPUT : Main.FAILED;
        }
        if (output.json()) {
            System.out.println(list.toPrettyString());
            return Main.OK;
        }
        if (list.path("releases").isEmpty()) {
            System.out.println("no releases yet");
            return Main.OK;
        }
        System.out.println(String.format(Locale.ROOT, "%-34s %-20s %-10s %-12s %-8s %s", "RELEASE", "SUBMITTED", "BY", "OUTCOME", "TOOK", "SERVICES / REASON"));
        for (JsonNode r : list.path("releases")) {
            Instant sub = Instant.parse(r.path("submitted").asText());
            String took = r.has("finished") ? fmt(Duration.between(sub, Instant.parse(r.path("finished").asText()))) : "-";
            List<String> services = new ArrayList<>();
            r.path("changes").forEach(c -> services.add(c.path("service").asText() + " " + c.path("version").asText() + " " + c.path("strategy").asText()));
            if (services.isEmpty()) {
                r.path("services").forEach(s -> services.add(s.asText()));
            }
            System.out.println(String.format(Locale.ROOT, "%-34s %-20s %-10s %-12s %-8s %s%s", r.path("id").asText(),
                    day(sub), r.path("submittedBy").asText(), r.path("state").asText(), took,
                    String.join(", ", services), r.has("reason") ? "  " + r.path("reason").asText() : ""));
        }
        return Main.OK;
    }

    /** "2026-11-27 10:00:00" (UTC). */
    static String day(Instant at) {
        return at.toString().substring(0, 19).replace('T', ' ');
    }

    static String fmt(Duration d) {
        return Words.duration(d);
    }
}
