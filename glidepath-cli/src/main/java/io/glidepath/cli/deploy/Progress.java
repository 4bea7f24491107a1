package io.glidepath.cli.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.cli.term.Terminal;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.spec.ServiceSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Live view of a release from its events: where the release is (queued, which wave, rolling back),
 * per service its wave, phase, a weight bar, stable and canary traffic, error rate and p99 (from
 * the analysis verdicts), and the elapsed time; a fleet's customers as one line per ring
 * ({@link FleetBoard}). On a terminal the block is redrawn in place under the event lines;
 * elsewhere each event is a plain line.
 */
final class Progress {
    private final Terminal term;
    private final String releaseId;
    private final Instant started = Instant.now();
    private final Map<String, ServiceView> services = new LinkedHashMap<>();
    private final Duration analysisInterval;
    private final int waves;
    private final FleetBoard fleets;
    private String releaseState = "starting";
    private int drawnLines;

    private static final class ServiceView {
        int wave = 1;
        String phase = "PENDING";
        String version = "";
        int weight;
        String stableVersion;
        String canaryVersion;
        long stableRequests;
        long canaryRequests;
        double stableErrors;
        double canaryErrors;
        Double stableP99;
        Double canaryP99;
        /** A sequential judge's evidence against the canary so far, and what it must reach to roll back. */
        Double evidence;
        Double needed;
        boolean haveFigures;
    }

    Progress(Terminal term, String releaseId, ReleaseSpec spec, Duration analysisInterval) {
        this.term = term;
        this.releaseId = releaseId;
        this.analysisInterval = analysisInterval;
        List<List<ServiceSpec>> byWave = spec.waves();
        this.waves = byWave.size();
        this.fleets = new FleetBoard(spec);
        for (int w = 0; w < byWave.size(); w++) {
            for (ServiceSpec s : byWave.get(w)) {
                if (s.fleetMember().isEmpty()) {
                    ServiceView v = new ServiceView();
                    v.wave = w + 1;
                    services.put(s.name(), v);
                }
            }
        }
    }

    void event(JsonNode e) {
        fleets.event(e);
        String service = e.path("service").asText(null);
        String kind = e.path("kind").asText();
        if (fleets.covers(service)) {
            print(e);
            return; // a customer counts in its ring's line
        }
        ServiceView v = service == null ? null : services.computeIfAbsent(service, k -> new ServiceView());
        switch (kind) {
            case "queued" -> releaseState = "queued behind release " + e.path("behind").asText();
            case "submitted" -> releaseState = waves > 1 ? "wave 1 of " + waves : "running";
            case "wave" -> releaseState = "wave " + e.path("wave").asInt() + " of " + waves + (e.hasNonNull("ring") ? ", ring " + e.path("ring").asText() : "")
                    + switch (e.path("state").asText()) {
                        case "DONE" -> " done";
                        case "GATED" -> ": waits for glidepath promote " + releaseId;
                        case "BAKING" -> ": baking before the next ring";
                        default -> "";
                    };
            case "rollbackDecided" -> releaseState = service == null ? "rolling the release back" : releaseState;
            case "approval" -> releaseState = switch (e.path("state").asText()) {
                case "WAITING" -> "waits for approval: glidepath approve " + releaseId + " (someone else with the deployer role)";
                case "APPROVED" -> "approved by " + e.path("by").asText();
                default -> "approval timed out";
            };
            case "evidence" -> releaseState = "evidence " + e.path("check").asText() + (e.path("passed").asBoolean() ? " passed" : " failed");
            case "finished" -> releaseState = e.path("outcome").asText().toLowerCase(Locale.ROOT).replace('_', ' ');
            case "migration" -> releaseState = "database " + e.path("database").asText() + ": " + e.path("phase").asText().toLowerCase(Locale.ROOT)
                    + " " + e.path("step").asText().toLowerCase(Locale.ROOT).replace('_', ' ');
            case "phase" -> {
                v.phase = e.path("phase").asText();
                v.version = e.path("version").asText();
            }
            case "traffic" -> {
                v.weight = e.path("canaryWeight").asInt();
                v.stableVersion = e.path("stableVersion").asText(null);
                v.canaryVersion = e.path("canaryVersion").asText(null);
            }
            case "verdict" -> {
                v.haveFigures = true;
                v.stableRequests = e.path("stableRequests").asLong();
                v.canaryRequests = e.path("canaryRequests").asLong();
                v.stableErrors = e.path("stableErrorRate").asDouble();
                v.canaryErrors = e.path("canaryErrorRate").asDouble();
                v.stableP99 = e.hasNonNull("stableP99Millis") ? e.path("stableP99Millis").asDouble() : null;
                v.canaryP99 = e.hasNonNull("canaryP99Millis") ? e.path("canaryP99Millis").asDouble() : null;
                v.evidence = e.hasNonNull("evidence") ? e.path("evidence").asDouble() : null;
                v.needed = e.hasNonNull("needed") ? e.path("needed").asDouble() : null;
            }
            default -> {
                // the message says it
            }
        }
        print(e);
    }

    private void print(JsonNode e) {
        boolean quietVerdict = e.path("kind").asText().equals("verdict") && e.path("outcome").asText().equals("PASS");
        if (term.isTty()) {
            erase();
            if (!quietVerdict) {
                term.raw(line(e) + "\n");
            }
            draw();
        } else if (!quietVerdict || e.path("seq").asLong() % 5 == 0) {
            term.raw(line(e) + "\n");
        }
    }

    private String line(JsonNode e) {
        String service = e.path("service").asText(null);
        String kind = e.path("kind").asText();
        String msg = e.path("message").asText();
        String tag = switch (kind) {
            case "rollbackDecided", "trafficRestored" -> term.red("rollback");
            case "customerFailed" -> term.red("customer failed");
            // STOPPED (a fleet's budget exceeded, then: keep) is a failure too, like every outcome but these two
            case "finished" -> e.path("outcome").asText().equals("PROMOTED") || e.path("outcome").asText().equals("UNCHANGED")
                    ? term.green("done") : term.red("done");
            case "verdict" -> e.path("outcome").asText().equals("FAIL") ? term.red("verdict") : term.dim("verdict");
            case "evidence" -> e.path("passed").asBoolean() ? term.dim("evidence") : term.red("evidence");
            case "approval" -> e.path("state").asText().equals("TIMED_OUT") ? term.red("approval") : term.dim("approval");
            case "migration" -> List.of("GATE_REFUSED", "FAILED").contains(e.path("step").asText()) ? term.red("database") : term.dim("database");
            default -> term.dim(kind);
        };
        return String.format(Locale.ROOT, "%6.1fs %-9s %s%s", elapsed(), service == null ? "" : service, tag + " ", msg);
    }

    /** The status block: one line per service, a block per fleet (one line per ring) where its first ring's wave comes. */
    private void draw() {
        List<String> lines = block();
        term.raw(String.join("\n", lines) + "\n");
        drawnLines = lines.size();
    }

    List<String> block() {
        List<String> lines = new ArrayList<>();
        lines.add(term.bold("release " + releaseId) + String.format(Locale.ROOT, "  %s  %.1fs", releaseState, elapsed()));
        List<String> drawn = new ArrayList<>();
        for (int w = 1; w <= waves; w++) {
            int wave = w;
            services.forEach((name, v) -> {
                if (v.wave == wave) {
                    lines.add(statusLine(name, v));
                    drawn.add(name);
                }
            });
            fleets.fleetsStartingAt(w).forEach(f -> lines.addAll(fleets.lines(f, waves > 1)));
        }
        // a service the events named that the file did not (a journal written by another version)
        services.forEach((name, v) -> {
            if (!drawn.contains(name)) {
                lines.add(statusLine(name, v));
            }
        });
        return lines;
    }

    private String statusLine(String name, ServiceView v) {
        StringBuilder sb = new StringBuilder();
        sb.append(waves > 1 ? String.format(Locale.ROOT, "  w%d", v.wave) : "");
        sb.append(String.format(Locale.ROOT, "  %-12s %-10s %-13s ", name, v.version, PhaseText.of(v.phase)));
        sb.append(term.bar(v.weight / 10_000.0)).append(String.format(Locale.ROOT, " %5.1f%%", v.weight / 100.0));
        if (v.haveFigures) {
            double secs = Math.max(1, analysisInterval.toMillis() / 1000.0);
            sb.append(String.format(Locale.ROOT, "  stable ~%.0f/s %s p99 %s | canary ~%.0f/s %s p99 %s",
                    v.stableRequests / secs, pct(v.stableErrors), ms(v.stableP99), v.canaryRequests / secs, pct(v.canaryErrors), ms(v.canaryP99)));
            if (v.evidence != null && v.needed != null) {
                sb.append(String.format(Locale.ROOT, " | evidence %s of %.0f", v.evidence < 10 ? String.format(Locale.ROOT, "%.1f", v.evidence)
                        : String.format(Locale.ROOT, "%.0f", v.evidence), v.needed));
            }
        }
        return sb.toString();
    }

    private void erase() {
        term.raw("\033[1A\033[2K".repeat(drawnLines));
        drawnLines = 0;
    }

    void done() {
        if (term.isTty()) {
            erase();
            draw();
        }
    }

    private double elapsed() {
        return Duration.between(started, Instant.now()).toMillis() / 1000.0;
    }

    private static String pct(double f) {
        return String.format(Locale.ROOT, "%.1f%%", f * 100);
    }

    private static String ms(Double m) {
        return m == null ? "-" : String.format(Locale.ROOT, "%.0fms", m);
    }
}
