package io.glidepath.spec;

import io.glidepath.spec.SpecNode.Field;
import io.glidepath.spec.SpecNode.ListNode;
import io.glidepath.spec.SpecNode.MapNode;
import io.glidepath.spec.SpecNode.Scalar;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * Reads YAML 1.2 (and so JSON) into a located {@link SpecNode} tree. YAML 1.2's core schema means
 * {@code no} stays the text "no" and {@code 010} is the number 10. Syntax errors and repeated keys
 * come back located like every other error.
 */
public final class YamlSource {
    static final int MAX_CHARS = 4 * 1024 * 1024;

    private YamlSource() {
    }

    /** Parses {@code text}; {@code file} names it in locations. */
    public static SpecNode parse(String file, String text) throws InvalidSpecException {
        LoadSettings settings = LoadSettings.builder()
                .setLabel(file)
                .setCodePointLimit(MAX_CHARS)
                .setMaxAliasesForCollections(50)
                .setAllowRecursiveKeys(false)
                .build();
        Optional<Node> root;
        try {
            root = new Compose(settings).composeString(text);
        } catch (MarkedYamlEngineException e) {
            Location at = e.getProblemMark().map(m -> at(file, m)).orElse(new Location(file, 1, 1));
            throw new InvalidSpecException(List.of(new SpecError(at, "", "this is not valid YAML: " + e.getProblem()
                    + "; check the indentation and quoting around here")));
        } catch (YamlEngineException e) {
            throw new InvalidSpecException(List.of(new SpecError(new Location(file, 1, 1), "", "this is not valid YAML: " + e.getMessage())));
        }
        if (root.isEmpty()) {
            throw new InvalidSpecException(List.of(new SpecError(new Location(file, 1, 1), "", "the file is empty; a release needs at least a services list")));
        }
        List<SpecError> errors = new ArrayList<>();
        SpecNode tree = convert(file, root.get(), errors);
        if (!errors.isEmpty()) {
            throw new InvalidSpecException(errors);
        }
        return tree;
    }

    private static SpecNode convert(String file, Node node, List<SpecError> errors) {
        Location loc = node.getStartMark().map(m -> at(file, m)).orElse(new Location(file, 1, 1));
        if (node instanceof MappingNode m) {
            Map<String, Field> fields = new LinkedHashMap<>();
            for (NodeTuple t : m.getValue()) {
                Node k = t.getKeyNode();
                Location keyLoc = k.getStartMark().map(mk -> at(file, mk)).orElse(loc);
                if (!(k instanceof ScalarNode key)) {
                    errors.add(new SpecError(keyLoc, "", "a key must be a plain name, not a list or mapping"));
                    continue;
                }
                Field previous = fields.get(key.getValue());
                if (previous != null) {
                    errors.add(new SpecError(keyLoc, "", "\"" + key.getValue() + "\" appears twice in this mapping (first at line "
                            + previous.keyLocation().line() + "); keep one"));
                    continue;
                }
                fields.put(key.getValue(), new Field(key.getValue(), keyLoc, convert(file, t.getValueNode(), errors)));
            }
            return new MapNode(loc, fields);
        }
        if (node instanceof SequenceNode s) {
            List<SpecNode> items = new ArrayList<>();
            for (Node item : s.getValue()) {
                items.add(convert(file, item, errors));
            }
            return new ListNode(loc, items);
        }
        ScalarNode sc = (ScalarNode) node;
        return new Scalar(loc, sc.getValue(), kindOf(sc.getTag()));
    }

    private static Scalar.Kind kindOf(Tag tag) {
        if (tag.equals(Tag.INT)) {
            return Scalar.Kind.INT;
        }
        if (tag.equals(Tag.FLOAT)) {
            return Scalar.Kind.FLOAT;
        }
        if (tag.equals(Tag.BOOL)) {
            return Scalar.Kind.BOOL;
        }
        if (tag.equals(Tag.NULL)) {
            return Scalar.Kind.NULL;
        }
        return Scalar.Kind.STRING;
    }

    private static Location at(String file, Mark m) {
        return new Location(file, m.getLine() + 1, m.getColumn() + 1);
    }
}
