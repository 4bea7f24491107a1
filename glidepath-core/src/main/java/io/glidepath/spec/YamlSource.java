package io.glidepath.spec;

import io.glidepath.spec.SpecNode.Field;
import io.glidepath.spec.SpecNode.ListNode;
import io.glidepath.spec.SpecNode.MapNode;
import io.glidepath.spec.SpecNode.Scalar;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.composer.Composer;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.parser.Parser;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;

/**
 * Reads YAML 1.2 (and so JSON) into a located {@link SpecNode} tree. YAML 1.2's core schema means
 * {@code no} stays the text "no" and {@code 010} is the number 10. Syntax errors and repeated keys
 * come back located like every other error, and so does input past {@link ReleaseLimits} (size,
 * characters, nesting, aliases, values, scalar length): it is refused before anything recurses on it.
 */
public final class YamlSource {
    private YamlSource() {
    }

    /** Parses {@code text} with the {@link ReleaseLimits#STANDARD} limits; {@code file} names it in locations. */
    public static SpecNode parse(String file, String text) throws InvalidSpecException {
        return parse(file, text, ReleaseLimits.STANDARD);
    }

    /** Parses {@code text} within {@code limits}; {@code file} names it in locations. */
    public static SpecNode parse(String file, String text, ReleaseLimits limits) throws InvalidSpecException {
        SourceText.check(file, text, limits);
        LoadSettings settings = LoadSettings.builder()
                .setLabel(file)
                .setCodePointLimit(limits.maxBytes())
                .setMaxAliasesForCollections(limits.maxAliases())
                .setAllowRecursiveKeys(false)
                // the whole text in one window: with the default 1 KiB the reader copies its window each time a long
                // scalar needs more, and a megabyte scalar takes seconds
                .setBufferSize(text.length() + 1)
                .build();
        Optional<Node> root;
        try {
            Parser parser = new LimitedParser(new ParserImpl(settings, new StreamReader(settings, text)), file, limits);
            root = new Composer(settings, parser).getSingleNode();
        } catch (LimitedParser.Exceeded e) {
            throw new InvalidSpecException(List.of(e.error));
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
        Converter converter = new Converter(file, limits);
        SpecNode tree;
        try {
            tree = converter.convert(root.get(), 1);
        } catch (LimitedParser.Exceeded e) {
            throw new InvalidSpecException(List.of(e.error));
        }
        if (!converter.errors.isEmpty()) {
            throw new InvalidSpecException(converter.errors);
        }
        return tree;
    }

    /**
     * The composed node graph as a tree. Aliases make it a graph (a node used twice, or inside itself), so
     * the limits on depth and values are checked again here, on the tree as it unfolds, and a loop is refused.
     */
    private static final class Converter {
        private final String file;
        private final ReleaseLimits limits;
        private final List<SpecError> errors = new ArrayList<>();
        private final Set<Node> ancestors = Collections.newSetFromMap(new IdentityHashMap<>());
        private int nodes;

        Converter(String file, ReleaseLimits limits) {
            this.file = file;
            this.limits = limits;
        }

        SpecNode convert(Node node, int depth) {
            Location loc = node.getStartMark().map(m -> at(file, m)).orElse(new Location(file, 1, 1));
            if (++nodes > limits.maxNodes()) {
                throw new LimitedParser.Exceeded(loc, LimitedParser.tooMany(limits));
            }
            if (node instanceof ScalarNode sc) {
                return new Scalar(loc, sc.getValue(), kindOf(sc.getTag()));
            }
            if (depth > limits.maxDepth()) {
                throw new LimitedParser.Exceeded(loc, LimitedParser.tooDeep(limits) + " (aliases included)");
            }
            if (!ancestors.add(node)) {
                throw new LimitedParser.Exceeded(loc, "an alias here refers to a mapping or list that contains it, which never ends;"
                        + " write the value out");
            }
            try {
                if (node instanceof MappingNode m) {
                    return mapping(m, loc, depth);
                }
                List<SpecNode> items = new ArrayList<>();
                for (Node item : ((SequenceNode) node).getValue()) {
                    items.add(convert(item, depth + 1));
                }
                return new ListNode(loc, items);
            } finally {
                ancestors.remove(node);
            }
        }

        private MapNode mapping(MappingNode m, Location loc, int depth) {
            Map<String, Field> fields = new LinkedHashMap<>();
            for (NodeTuple t : m.getValue()) {
                Node k = t.getKeyNode();
                Location keyLoc = k.getStartMark().map(mk -> at(file, mk)).orElse(loc);
                if (++nodes > limits.maxNodes()) {
                    throw new LimitedParser.Exceeded(keyLoc, LimitedParser.tooMany(limits));
                }
                if (!(k instanceof ScalarNode key)) {
                    errors.add(new SpecError(keyLoc, "", "a key must be a plain name, not a list or mapping"));
                    continue;
                }
                Field previous = fields.get(key.getValue());
                if (previous != null) {
                    errors.add(new SpecError(keyLoc, "", "\"" + SpecNode.abbreviate(key.getValue()) + "\" appears twice in this mapping (first at line "
                            + previous.keyLocation().line() + "); keep one"));
                    continue;
                }
                fields.put(key.getValue(), new Field(key.getValue(), keyLoc, convert(t.getValueNode(), depth + 1)));
            }
            return new MapNode(loc, fields);
        }
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
