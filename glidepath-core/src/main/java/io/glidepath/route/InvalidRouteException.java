package io.glidepath.route;

import java.util.List;
import java.util.stream.Collectors;

/** A route document with one or more bad fields; all of them are listed, not only the first. */
public final class InvalidRouteException extends Exception {
    private final List<FieldError> errors;

    public InvalidRouteException(List<FieldError> errors) {
        super(errors.stream().map(FieldError::toString).collect(Collectors.joining("; ")));
        this.errors = List.copyOf(errors);
    }

    public List<FieldError> errors() {
        return errors;
    }
}
