package io.glidepath.server.notify;

import io.glidepath.spec.SpecError;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/** A webhooks file with errors: every one of them, in file order, each located. Nothing starts. */
public final class InvalidWebhooksException extends IOException {
    private final List<SpecError> errors;

    public InvalidWebhooksException(Path file, List<SpecError> errors) {
        super("the webhooks file " + file + " has " + errors.size() + " error" + (errors.size() == 1 ? "" : "s") + ":\n"
                + errors.stream().map(e -> "  " + e).collect(Collectors.joining("\n")));
        this.errors = List.copyOf(errors);
    }

    public List<SpecError> errors() {
        return errors;
    }
}
