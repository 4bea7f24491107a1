package io.glidepath.spec;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A release document as a tree whose every node knows where it stands in its file, so that each
 * error can name file, line and column. Built from YAML (JSON is YAML too) by {@link YamlSource}.
 */
public sealed interface SpecNode {
    Location location();

    /** What the node is, in the words an error message uses. */
    String describe();

    /** {@code text} as an error message quotes it: a long one cut to its start and its length. */
    static String abbreviate(String text) {
        return text.length() <= 80 ? text : text.substring(0, 60) + "... (" + text.length() + " characters)";
    }

    /** A mapping; keys keep their own locations (an unknown field is reported at its key). */
    record MapNode(Location location, Map<String, Field> fields) implements SpecNode {
        public MapNode {
            fields = new LinkedHashMap<>(fields);
        }

        public SpecNode get(String key) {
            Field f = fields.get(key);
            return f == null ? null : f.value();
        }

        @Override
        public String describe() {
            return "a mapping";
        }
    }

    /** One key of a mapping and its value. */
    record Field(String key, Location keyLocation, SpecNode value) {
    }

    record ListNode(Location location, List<SpecNode> items) implements SpecNode {
        public ListNode {
            items = List.copyOf(items);
        }

        @Override
        public String describe() {
            return "a list";
        }
    }

    /** A scalar with the type YAML 1.2's core schema gives it (a quoted "5" is a string). */
    record Scalar(Location location, String text, Kind kind) implements SpecNode {
        public enum Kind { STRING, INT, FLOAT, BOOL, NULL }

        @Override
        public String describe() {
            return switch (kind) {
                case STRING -> "the text \"" + SpecNode.abbreviate(text) + "\"";
                case NULL -> "nothing (null)";
                default -> SpecNode.abbreviate(text);
            };
        }
    }
}
