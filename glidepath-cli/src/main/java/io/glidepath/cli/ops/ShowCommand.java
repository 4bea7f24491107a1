package io.glidepath.cli.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.glidepath.cli.Main;
import io.glidepath.cli.client.ServerClient;
import io.glidepath.cli.deploy.PhaseText;
import io.glidepath.cli.options.DataDirOption;
import io.glidepath.cli.options.OutputOption;
import io.glidepath.analysis.Verdict;
import io.glidepath.journal.EventJson;
import io.glidepath.report.Words;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code glidepath show RELEASE}: one release, its services and its whole timeline with every verdict's numbers. */
@Command(name = "show", mixinStandardHelpOptions = true,
        description = "Shows a release: who, when, outcome and reason, each service's version, strategy and end, and the full event timeline "
                + "with every analysis verdict and its numbers.")
public final class ShowCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RELEASE", description = "The release id (glidepath history lists them).")
    String id;

    @Mixin
    DataDirOption dataDir;

    @Mixin
    OutputOption output;

    @Override
    public Integer call() {
        JsonNode release;
        JsonNode events;
        try {
            ServerClient c = ServerClient.of(dataDir.dir());
            release = c.release(id);
            events = c.events(id, 0).path("events");
        } catch (ServerClient.Unreachable e) {
            System.err.println("glidepath show: " + e.getMessage());
            return Main.UNREACHABLE;
        } catch (ServerClient.ApiError e) {
            System.err.println("glidepath show: " + e.getMessage() + (e.status() == 404 ? "; glidepath history lists the releases" : ""));
            return Main.FAILED;
        }
        if (output.json()) {
            ObjectNode n = EventJson.MAPPER.createObjectNode();
            n.set("release", release);
            n.set("events", events);
            System.out.println(n.toPrettyString());
            return Main.OK;
        }
        System.out.print(text(release, events));
        return Main.OK;
    }

    /** The release as a person reads it. */
    static String text(JsonNode r, JsonNode events) {
        StringBuilder out = new StringBuilder();
        Instant submitted = Instant.parse(r.path("submitted").asText());
        out.append("release ").append(r.path("id").asText()).append(" (").append(r.path("file").asText()).append(")\n");
        out.append("submitted ").append(HistoryCommand.day(submitted)).append(" UTC by ").append(r.path("submittedBy").asText()).append(": ")
                .append(r.path("state").asText());
        if (r.has("finished")) {
            out.append(" after ").append(HistoryCommand.fmt(Duration.between(submitted, Instant.parse(r.path("finished").asText()))));
        }
        out.append('\n');
        if (r.has("reason")) {
            out.append("reason: ").append(r.path("reason").asText()).append('\n');
        }
        out.append("\nservices:\n");
        for (JsonNode c : r.path("changes")) {
            JsonNode phase = r.path("phases").path(c.path("service").asText());
            out.append(String.format(Locale.ROOT, "  wave %-2d %-16s %-12s %-10s %s%n", phase.path("wave").asInt(1), c.path("service").asText(),
                    c.path("version").asText(), c.path("strategy").asText(), PhaseText.of(phase.path("phase").asText("PENDING"))));
        }
        out.append("\ntimeline:\n");
        for (JsonNode e : events) {
            double at = Duration.between(submitted, Instant.parse(e.path("at").asText())).toMillis() / 1000.0;
            out.append(String.format(Locale.ROOT, "  %+8.1fs  %-14s %s%n", at, e.path("service").asText("release"), e.path("message").asText()));
            if (e.path("kind").asText().equals("verdict")) {
                out.append(String.format(Locale.ROOT, "  %9s  %-14s %s: %s%n", "", "", e.path("outcome").asText(), Words.figures(
                        e.path("canaryRequests").asLong(), e.path("canaryErrorRate").asDouble(), millis(e.path("canaryP99Millis")),
                        e.path("stableRequests").asLong(), e.path("stableErrorRate").asDouble(), millis(e.path("stableP99Millis")))));
                for (JsonNode m : e.path("metrics")) {
                    out.append(String.format(Locale.ROOT, "  %9s  %-14s   %s%n", "", "", Words.metric(new Verdict.MetricEvidence(m.path("metric").asText(),
                            m.path("eValue").asDouble(), number(m, "ratio"), number(m, "low"), number(m, "high"), number(m, "dispersion")))));
                }
                if (e.hasNonNull("evidence")) {
                    out.append(String.format(Locale.ROOT, "  %9s  %-14s   %s%n", "", "", Words.evidence(e.path("evidence").asDouble(),
                            e.path("needed").asDouble())));
                }
            }
        }
        return out.toString();
    }

    private static Double millis(JsonNode millis) {
        return millis.isNumber() ? millis.asDouble() : null;
    }

    private static Double number(JsonNode n, String field) {
        return n.hasNonNull(field) ? n.path(field).asDouble() : null;
    }
}
