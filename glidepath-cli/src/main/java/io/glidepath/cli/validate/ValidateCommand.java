package io.glidepath.cli.validate;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.glidepath.cli.Main;
import io.glidepath.cli.migrate.MigrationsView;
import io.glidepath.cli.options.OutputOption;
import io.glidepath.route.RouteJson;
import io.glidepath.spec.InvalidSpecException;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.spec.ServiceSpec;
import io.glidepath.spec.SpecError;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code glidepath validate FILE}: every error of a release file at once, located; nothing is started. */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = {"Checks a release file and prints every error with file:line:column, the field and what to do.",
                "Shows each database's migrations in the order the release runs them, with the locks each statement takes and",
                "the safety gate's findings (read from the files; the server's gate also tries them on a scratch copy).",
                "Exit codes: 0 valid, 2 invalid or unreadable, or migrations the gate would refuse. Nothing is started."})
public final class ValidateCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "The release file (YAML or JSON).")
    Path file;

    @Mixin
    OutputOption output;

    @Override
    public Integer call() {
        try {
            ReleaseSpec spec = ReleaseFile.read(file).spec();
            return report(List.of(), spec, MigrationsView.of(spec, ReleaseFile.baseDir(file)));
        } catch (InvalidSpecException e) {
            return report(e.errors(), null, null);
        }
    }

    private int report(List<SpecError> errors, ReleaseSpec spec, MigrationsView migrations) {
        boolean refused = !errors.isEmpty() || migrations != null && migrations.blocks();
        if (output.json()) {
            ObjectNode n = RouteJson.MAPPER.createObjectNode();
            n.put("file", file.toString());
            n.put("valid", !refused);
            if (spec != null) {
                spec.name().ifPresent(x -> n.put("release", x));
                ArrayNode s = n.putArray("services");
                spec.services().forEach(svc -> s.addObject().put("name", svc.name()).put("version", svc.version())
                        .put("strategy", svc.strategy().id()).put("replicas", svc.run().replicas()));
                if (!migrations.isEmpty()) {
                    n.set("migrations", migrations.json());
                }
            }
            ArrayNode a = n.putArray("errors");
            for (SpecError e : errors) {
                a.addObject().put("file", e.location().file()).put("line", e.location().line()).put("column", e.location().column())
                        .put("path", e.path()).put("message", e.message());
            }
            System.out.println(n.toPrettyString());
            return refused ? Main.INVALID_INPUT : Main.OK;
        }
        if (!errors.isEmpty()) {
            return ReleaseFile.reportErrors(file, errors);
        }
        System.out.println(file + " is valid: " + spec.name().map(n -> "release " + n + ", ").orElse("")
                + spec.services().size() + (spec.services().size() == 1 ? " service" : " services"));
        for (ServiceSpec s : spec.services()) {
            System.out.println("  " + s.name() + " " + s.version() + "  " + describe(s));
        }
        System.out.print(migrations.text());
        if (migrations.blocks()) {
            System.err.println(file + ": its migrations would be refused by the safety gate (above); nothing was started.");
            return Main.INVALID_INPUT;
        }
        return Main.OK;
    }

    static String describe(ServiceSpec s) {
        List<String> parts = new ArrayList<>();
        parts.add(SpecText.count(s.run().replicas(), "instance"));
        parts.add("route " + (s.route().match().host() == null ? "" : s.route().match().host()) + s.route().match().pathPrefix());
        parts.add(SpecText.strategy(s));
        if (!s.smoke().isEmpty()) {
            parts.add(SpecText.count(s.smoke().size(), "smoke test"));
        }
        if (!s.dependsOn().isEmpty()) {
            parts.add("after " + String.join(", ", s.dependsOn()));
        }
        s.database().ifPresent(d -> parts.add("database " + d));
        return String.join(", ", parts);
    }
}
