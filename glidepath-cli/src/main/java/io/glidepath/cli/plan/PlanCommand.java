package io.glidepath.cli.plan;

import io.glidepath.cli.Main;
import io.glidepath.cli.migrate.MigrationsView;
import io.glidepath.cli.client.ServerClient;
import io.glidepath.cli.local.DataDir;
import io.glidepath.cli.validate.ReleaseFile;
import io.glidepath.spec.InvalidSpecException;
import io.glidepath.spec.ReleasePlan;
import io.glidepath.spec.ReleaseSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code glidepath plan FILE}: what a release would do, and in which order, without doing any of it. */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = {"Shows what a release would do: its waves, each service's strategy, steps and configured waits, the verify checks,",
                "the critical path and its minimum duration, and (when Glidepath runs here) which services are new, replaced or no-ops.",
                "Each database's migrations show in the order they run, with the locks each statement takes and the gate's findings.",
                "With Glidepath running: the server's policy, and the release's risk from the server's history (its top factors and the",
                "strategy it advises; strategy: auto shows as what it would become).",
                "It changes nothing. Exit codes: 0 planned, 2 invalid or unreadable file."})
public final class PlanCommand implements Callable<Integer> {
    enum Output { TEXT, JSON }

    @Parameters(index = "0", paramLabel = "FILE", description = "The release file (YAML or JSON).")
    Path file;

    @Option(names = "--data-dir", description = "Where to ask what runs now. Default .glidepath (or $GLIDEPATH_DATA_DIR).")
    Path dataDir;

    @Option(names = "--output", defaultValue = "text", description = "text or json.")
    Output output;

    @Override
    public Integer call() {
        ReleaseFile release;
        try {
            release = ReleaseFile.read(file);
        } catch (InvalidSpecException e) {
            return ReleaseFile.reportErrors(file, e.errors());
        }
        Optional<Map<String, RunningService>> running = Optional.empty();
        Optional<com.fasterxml.jackson.databind.JsonNode> traffic = Optional.empty();
        String unknownBecause = null;
        Optional<com.fasterxml.jackson.databind.JsonNode> policy = Optional.empty();
        String policyUnknown = null;
        Optional<com.fasterxml.jackson.databind.JsonNode> risk = Optional.empty();
        DataDir dir = DataDir.of(dataDir);
        if (dir.endpoints().isEmpty()) {
            unknownBecause = "Glidepath is not running in " + dir.root() + " (start it with: glidepath up)";
        } else {
            try {
                com.fasterxml.jackson.databind.JsonNode answer = ServerClient.of(dir).services();
                running = Optional.of(RunningService.fromServices(answer.path("services")));
                traffic = Optional.of(answer.path("traffic")).filter(t -> t.has("via"));
                // the server's policy: which windows, approvals and evidence apply to this release now
                ServerClient client = ServerClient.of(dir);
                try {
                    com.fasterxml.jackson.databind.node.ObjectNode assessed = (com.fasterxml.jackson.databind.node.ObjectNode) client.assess(file.toString(),
                            ReleaseFile.baseDir(file).toAbsolutePath().toString(), release.text());
                    // the risk score and its advice ride along (a server before them answers without)
                    risk = Optional.ofNullable(assessed.remove("risk"));
                    policy = Optional.of(assessed);
                } catch (ServerClient.ApiError e) {
                    policyUnknown = "the server could not assess it: " + e.getMessage();
                }
            } catch (ServerClient.Unreachable | ServerClient.ApiError e) {
                unknownBecause = "could not ask the server: " + e.getMessage();
            }
        }
        // strategy: auto, as the server would choose it now (without a server it stays "auto")
        ReleaseSpec spec = release.spec();
        Set<String> auto = Set.of();
        if (risk.isPresent() && !spec.autoServices().isEmpty()) {
            try {
                spec = spec.withChosenStrategies(RiskView.chosen(risk.get()));
                auto = Set.copyOf(release.spec().autoServices());
            } catch (IllegalArgumentException e) {
                // the server's advice did not name every auto service: the plan shows them as auto
            }
        }
        String riskUnknown = unknownBecause != null ? unknownBecause : policyUnknown != null ? policyUnknown : "the server did not score it";
        PlanView view = new PlanView(file.toString(), ReleasePlan.of(spec), running, unknownBecause, traffic.map(PlanView.Traffic::of), auto);
        MigrationsView migrations = MigrationsView.of(release.spec(), ReleaseFile.baseDir(file));
        if (output == Output.JSON) {
            com.fasterxml.jackson.databind.node.ObjectNode json = view.json();
            if (!migrations.isEmpty()) {
                json.set("migrations", migrations.json());
            }
            policy.ifPresent(p -> json.set("policy", p));
            if (risk.isPresent()) {
                json.set("risk", risk.get());
            } else {
                json.putObject("risk").put("known", false).put("reason", riskUnknown);
            }
            System.out.print(json.toPrettyString() + "\n");
        } else {
            // the migrations go before the closing lines (what runs now, how to deploy)
            String text = view.text();
            int closing = text.indexOf("\nrunning now:");
            String policyText = policy.map(p -> String.join("\n", PolicyView.lines(p)) + "\n")
                    .orElse(policyUnknown != null ? "policy: unknown (" + policyUnknown + ")\n" : "");
            String riskText = String.join("\n", risk.map(RiskView::lines).orElse(List.of(RiskView.unknown(riskUnknown)))) + "\n";
            String middle = migrations.text() + policyText + riskText;
            System.out.print(closing < 0 ? text + middle : text.substring(0, closing + 1) + middle + text.substring(closing + 1));
        }
        return Main.OK;
    }
}
