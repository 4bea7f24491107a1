package io.glidepath.route;

/** One bad field of a JSON document: its JSON pointer (RFC 6901) and what is wrong and what to do. */
public record FieldError(String pointer, String message) {

    @Override
    public String toString() {
        return (pointer.isEmpty() ? "(document)" : pointer) + ": " + message;
    }
}
