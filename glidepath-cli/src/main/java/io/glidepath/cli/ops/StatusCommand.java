package io.glidepath.cli.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.glidepath.cli.Main;
import io.glidepath.cli.client.ServerClient;
import io.glidepath.cli.local.DataDir;
import io.glidepath.engine.EventJson;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code glidepath status}: the router, the server, and every service's versions and weights. */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Shows the router, the server and every service's versions, instances and weights.")
public final class StatusCommand implements Callable<Integer> {
    enum Output { TEXT, JSON }

    @Option(names = "--data-dir", description = "Default .glidepath (or $GLIDEPATH_DATA_DIR).")
    Path dataDir;

    @Option(names = "--output", defaultValue = "text", description = "text or json.")
    Output output;

    @Override
    public Integer call() throws Exception {
        DataDir dir = DataDir.of(dataDir);
        Status st = Status.of(dir);
        JsonNode services = null;
        String serverError = null;
        if (st.serverAlive()) {
            try {
                services = ServerClient.of(dir).services().path("services");
            } catch (ServerClient.Unreachable | ServerClient.ApiError e) {
                serverError = e.getMessage();
            }
        }
        if (output == Output.JSON) {
            ObjectNode n = EventJson.MAPPER.createObjectNode();
            n.put("dataDir", dir.root().toString());
            n.putObject("router").put("running", st.routerAlive()).put("pid", st.routerPid())
                    .put("proxy", st.endpoints().map(e -> e.proxy().toString()).orElse(null));
            n.putObject("server").put("running", st.serverAlive()).put("pid", st.serverPid())
                    .put("api", st.endpoints().map(e -> e.api().toString()).orElse(null));
            if (services != null) {
                n.set("services", services);
            }
            System.out.println(n.toPrettyString());
            return st.routerAlive() && st.serverAlive() ? Main.OK : Main.UNREACHABLE;
        }
        System.out.println("router  " + (st.routerAlive() ? "running, pid " + st.routerPid() + st.endpoints().map(e -> ", users' traffic on " + e.proxy()).orElse("")
                : "not running"));
        System.out.println("server  " + (st.serverAlive() ? "running, pid " + st.serverPid() + st.endpoints().map(e -> ", API on " + e.api()).orElse("")
                : "not running") + (serverError != null ? " (" + serverError + ")" : ""));
        if (!st.routerAlive() || !st.serverAlive()) {
            System.out.println("Start with: glidepath up");
            return Main.UNREACHABLE;
        }
        if (services == null || services.isEmpty()) {
            System.out.println("no services deployed yet");
            return Main.OK;
        }
        System.out.println();
        System.out.println(String.format(Locale.ROOT, "%-16s %-12s %-12s %-22s %s", "SERVICE", "CURRENT", "PREVIOUS", "TRAFFIC", "INSTANCES"));
        for (JsonNode s : services) {
            JsonNode r = s.path("route");
            String traffic = r.isMissingNode() ? "(no route)" : r.path("canary").isNull() || r.path("canary").isMissingNode()
                    ? "100% " + r.path("stable").asText("-")
                    : String.format(Locale.ROOT, "%s %.0f%% / %s %.0f%%", r.path("stable").asText(), 100 - r.path("canaryWeight").asInt() / 100.0,
                    r.path("canary").asText(), r.path("canaryWeight").asInt() / 100.0);
            System.out.println(String.format(Locale.ROOT, "%-16s %-12s %-12s %-22s %d%s", s.path("name").asText(), s.path("currentVersion").asText(),
                    s.path("previousVersion").asText("-"), traffic, s.path("instances").size(),
                    s.has("heldBy") ? "   deploying: " + s.path("heldBy").asText() : ""));
        }
        return Main.OK;
    }
}
