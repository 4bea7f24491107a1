package io.glidepath.cli.validate;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.glidepath.cli.Main;
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
                "Exit codes: 0 valid, 2 invalid or unreadable. Nothing is started."})
public final class ValidateCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "The release file (YAML or JSON).")
    Path file;

    @Mixin
    OutputOption output;

    @Override
    public Integer call() {
        try {
            return report(List.of(), ReleaseFile.read(file).spec());
        } catch (InvalidSpecException e) {
            return report(e.errors(), null);
        }
    }

    private int report(List<SpecError> errors, ReleaseSpec spec) {
        if (output.json()) {
            ObjectNode n = RouteJson.MAPPER.createObjectNode();
            n.put("file", file.toString());
            n.put("valid", errors.isEmpty());
            if (spec != null) {
                spec.name().ifPresent(x -> n.put("release", x));
                ArrayNode s = n.putArray("services");
                spec.services().forEach(svc -> s.addObject().put("name", svc.name()).put("version", svc.version())
                        .put("strategy", svc.strategy().id()).put("replicas", svc.run().replicas()));
            }
            ArrayNode a = n.putArray("errors");
            for (SpecError e : errors) {
                a.addObject().put("file", e.location().file()).put("line", e.location().line()).put("column", e.location().column())
                        .put("path", e.path()).put("message", e.message());
            }
            System.out.println(n.toPrettyString());
            return errors.isEmpty() ? Main.OK : Main.INVALID_INPUT;
        }
        if (!errors.isEmpty()) {
            return ReleaseFile.reportErrors(file, errors);
        }
        System.out.println(file + " is valid: " + spec.name().map(n -> "release " + n + ", ").orElse("")
                + spec.services().size() + (spec.services().size() == 1 ? " service" : " services"));
        for (ServiceSpec s : spec.services()) {
            System.out.println("  " + s.name() + " " + s.version() + "  " + describe(s));
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
        return String.join(", ", parts);
    }
}
