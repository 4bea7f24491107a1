package io.glidepath.spec;

import io.glidepath.spec.SpecNode.Field;
import io.glidepath.spec.SpecNode.MapNode;
import io.glidepath.spec.SpecNode.Scalar;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What every reader of a YAML or JSON file Glidepath reads shares (release files, policy files, webhooks
 * files): errors with their location and path, required and optional text fields, and unknown fields
 * named with the closest known one ("did you mean"), so that a mistake reads the same in every file.
 */
public final class FieldChecks {
    private final List<SpecError> errors;

    /** Checks that add what they find to {@code errors}. */
    public FieldChecks(List<SpecError> errors) {
        this.errors = errors;
    }

    public void error(Location at, String path, String message) {
        errors.add(new SpecError(at, path, message));
    }

    /** "windows[0].from", or the key alone at the top. */
    public static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** Each field of {@code m} that is not one of {@code fields}, with the closest known one or the list of them. */
    public void known(MapNode m, String path, Set<String> fields) {
        for (Field f : m.fields().values()) {
            if (!fields.contains(f.key())) {
                String hint = Suggestions.closest(f.key(), fields).map(s -> "did you mean \"" + s + "\"?")
                        .orElse("known fields here: " + String.join(", ", fields.stream().sorted().toList()));
                String key = SpecNode.abbreviate(f.key());
                error(f.keyLocation(), join(path, key), "unknown field \"" + key + "\"; " + hint);
            }
        }
    }

    /** The text of field {@code key}: an error when it is missing, empty or not text. */
    public Optional<String> required(MapNode m, String key, String path) {
        SpecNode n = m.get(key);
        String p = join(path, key);
        if (n == null) {
            error(m.location(), p, "is required");
            return Optional.empty();
        }
        if (n instanceof Scalar s && s.kind() != Scalar.Kind.NULL && !s.text().isBlank()) {
            return Optional.of(s.text());
        }
        error(n.location(), p, n instanceof Scalar s && s.kind() == Scalar.Kind.STRING ? "is empty" : "must be text; got " + n.describe());
        return Optional.empty();
    }

    /** As {@link #required}, when the field is there; empty without an error when it is not. */
    public Optional<String> optional(MapNode m, String key, String path) {
        return m.get(key) == null ? Optional.empty() : required(m, key, path);
    }
}
