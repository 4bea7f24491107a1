package io.glidepath.cli.access;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.cli.Main;
import io.glidepath.cli.client.ServerClient;
import io.glidepath.cli.options.DataDirOption;
import io.glidepath.cli.options.OutputOption;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code glidepath audit}: every API call that changed something, or tried to, newest first (needs an admin token). */
@Command(name = "audit", mixinStandardHelpOptions = true, description = "Shows the audit log: who (token, user), what, on what, and the result; newest first.")
public final class AuditCommand implements Callable<Integer> {
    @Option(names = "--limit", defaultValue = "50", description = "How many entries (default ${DEFAULT-VALUE}).")
    int limit;

    @Mixin
    DataDirOption dataDir;

    @Mixin
    OutputOption output;

    @Override
    public Integer call() {
        JsonNode log;
        try {
            log = ServerClient.of(dataDir.dir()).audit(limit);
        } catch (ServerClient.Unreachable e) {
            System.err.println("glidepath audit: " + e.getMessage());
            return Main.UNREACHABLE;
        } catch (ServerClient.ApiError e) {
            System.err.println("glidepath audit: " + e.getMessage());
            return e.status() == 400 ? Main.INVALID_INPUT : Main.FAILED;
        }
        if (output.json()) {
            System.out.println(log.toPrettyString());
            return Main.OK;
        }
        System.out.println(String.format(Locale.ROOT, "%-20s %-16s %-12s %-16s %-34s %-6s %s", "AT", "TOKEN", "USER", "ACTION", "TARGET", "STATUS", "RESULT"));
        for (JsonNode e : log.path("entries")) {
            System.out.println(String.format(Locale.ROOT, "%-20s %-16s %-12s %-16s %-34s %-6d %s", TokenCommand.day(e.path("at").asText()),
                    e.path("token").asText(), e.path("user").asText("-"), e.path("action").asText(), e.path("target").asText("-"),
                    e.path("status").asInt(), e.path("result").asText("")));
        }
        return Main.OK;
    }
}
