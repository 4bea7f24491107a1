package io.glidepath.router.client;

import io.glidepath.route.FieldError;
import java.util.List;

/** The admin API refused a call or could not be reached; carries its status and field errors. */
public final class RouterAdminException extends Exception {
    private final int status;
    private final List<FieldError> fieldErrors;

    public RouterAdminException(int status, String message, List<FieldError> fieldErrors, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.fieldErrors = List.copyOf(fieldErrors);
    }

    /** The HTTP status, or 0 when the router could not be reached. */
    public int status() {
        return status;
    }

    public List<FieldError> fieldErrors() {
        return fieldErrors;
    }

    public boolean isConflict() {
        return status == 409;
    }

    public boolean isNotFound() {
        return status == 404;
    }

}
