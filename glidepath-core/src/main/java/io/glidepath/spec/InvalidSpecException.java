package io.glidepath.spec;

import java.util.List;
import java.util.stream.Collectors;

/** A release file with one or more errors; all of them, in file order. */
public final class InvalidSpecException extends Exception {
    private final List<SpecError> errors;

    public InvalidSpecException(List<SpecError> errors) {
        super(errors.stream().map(SpecError::toString).collect(Collectors.joining("\n")));
        this.errors = List.copyOf(errors);
    }

    public List<SpecError> errors() {
        return errors;
    }
}
