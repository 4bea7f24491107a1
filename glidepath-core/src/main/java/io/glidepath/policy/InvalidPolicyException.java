package io.glidepath.policy;

import io.glidepath.spec.SpecError;
import java.util.List;
import java.util.stream.Collectors;

/** A policy file with errors: every one of them, in file order, each located. A server keeps its last good policy. */
public final class InvalidPolicyException extends Exception {
    private final List<SpecError> errors;

    public InvalidPolicyException(String file, List<SpecError> errors) {
        super("the policy file " + file + " has " + errors.size() + " error" + (errors.size() == 1 ? "" : "s") + ":\n"
                + errors.stream().map(e -> "  " + e).collect(Collectors.joining("\n")));
        this.errors = List.copyOf(errors);
    }

    public List<SpecError> errors() {
        return errors;
    }
}
