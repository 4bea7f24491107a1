package io.glidepath.cli.validate;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.glidepath.cli.Main;
import io.glidepath.route.RouteJson;
import io.glidepath.spec.Durations;
import io.glidepath.spec.InvalidSpecException;
import io.glidepath.spec.Location;
import io.glidepath.spec.ReleaseReader;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.spec.ServiceSpec;
import io.glidepath.spec.SpecError;
import io.glidepath.spec.Step;
import io.glidepath.spec.Strategy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code glidepath validate FILE}: every error of a release file at once, located; nothing is started. */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = {"Checks a release file and prints every error with file:line:column, the field and what to do.",
                "Exit codes: 0 valid, 2 invalid or unreadable. Nothing is started."})
public final class ValidateCommand implements Callable<Integer> {
    enum Output { TEXT, JSON }

    @Parameters(index = "0", paramLabel = "FILE", description = "The release file (YAML or JSON).")
    Path file;

    @Option(names = "--output", defaultValue = "text", description = "text or json.")
    Output output;

    @Override
    public Integer call() {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            String why = e instanceof NoSuchFileException ? "no such file" : e.getMessage();
            return report(List.of(new SpecError(new Location(file.toString(), 1, 1), "", "cannot read the file: " + why)), null);
        }
        try {
            ReleaseSpec spec = ReleaseReader.read(file.toString(), text);
            return report(List.of(), spec);
        } catch (InvalidSpecException e) {
            return report(e.errors(), null);
        }
    }

    private int report(List<SpecError> errors, ReleaseSpec spec) {
        if (output == Output.JSON) {
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
            errors.forEach(e -> System.err.println(e));
            System.err.println(errors.size() + (errors.size() == 1 ? " error" : " errors") + " in " + file + "; nothing was started.");
            return Main.INVALID_INPUT;
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
        parts.add(s.run().replicas() + (s.run().replicas() == 1 ? " instance" : " instances"));
        parts.add("route " + (s.route().match().host() == null ? "" : s.route().match().host()) + s.route().match().pathPrefix());
        if (s.strategy() == Strategy.BLUE_GREEN) {
            parts.add("blue-green");
        } else {
            List<String> steps = new ArrayList<>();
            for (Step st : s.steps()) {
                steps.add(switch (st) {
                    case Step.Weight w -> (w.basisPoints() % 100 == 0 ? String.valueOf(w.basisPoints() / 100) : String.valueOf(w.basisPoints() / 100.0)) + "%";
                    case Step.Bake b -> "bake " + Durations.format(b.duration());
                    case Step.ManualPause p -> "pause";
                });
            }
            parts.add("canary " + String.join(" > ", steps));
        }
        if (!s.smoke().isEmpty()) {
            parts.add(s.smoke().size() + (s.smoke().size() == 1 ? " smoke test" : " smoke tests"));
        }
        if (!s.dependsOn().isEmpty()) {
            parts.add("after " + String.join(", ", s.dependsOn()));
        }
        return String.join(", ", parts);
    }
}
