package io.glidepath.spec;

import java.util.Optional;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.events.ScalarEvent;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.parser.Parser;

/**
 * SnakeYAML Engine's parser with {@link ReleaseLimits} applied to its events, before the composer
 * builds anything from them. The engine has a limit for aliases to collections and for code points
 * but none for nesting: its composer recurses once per level, so a few thousand {@code [} overflow
 * the stack. The parser itself keeps its state on a heap stack, so counting here, event by event,
 * stops such input at the first event past a limit, with its location.
 */
final class LimitedParser implements Parser {
    private final Parser parser;
    private final String file;
    private final ReleaseLimits limits;
    private int depth;
    private int nodes;
    private int aliases;

    LimitedParser(Parser parser, String file, ReleaseLimits limits) {
        this.parser = parser;
        this.file = file;
        this.limits = limits;
    }

    @Override
    public boolean checkEvent(Event.ID id) {
        return parser.checkEvent(id);
    }

    @Override
    public Event peekEvent() {
        return parser.peekEvent();
    }

    @Override
    public boolean hasNext() {
        return parser.hasNext();
    }

    @Override
    public Event next() {
        Event e = parser.next();
        switch (e.getEventId()) {
            case SequenceStart, MappingStart -> {
                node(e);
                if (++depth > limits.maxDepth()) {
                    throw new Exceeded(at(e.getStartMark()), tooDeep(limits));
                }
            }
            case SequenceEnd, MappingEnd -> depth--;
            case Scalar -> {
                node(e);
                int length = ((ScalarEvent) e).getValue().length();
                if (length > limits.maxScalarChars()) {
                    throw new Exceeded(at(e.getStartMark()), "this value is " + length + " characters long; a key or value may be at most "
                            + limits.maxScalarChars() + " characters: move long content out of the file");
                }
            }
            case Alias -> {
                node(e);
                if (++aliases > limits.maxAliases()) {
                    throw new Exceeded(at(e.getStartMark()), "more than " + limits.maxAliases()
                            + " aliases (*name) in one file; write the values out instead");
                }
            }
            default -> {
            }
        }
        return e;
    }

    private void node(Event e) {
        if (++nodes > limits.maxNodes()) {
            throw new Exceeded(at(e.getStartMark()), tooMany(limits));
        }
    }

    static String tooDeep(ReleaseLimits limits) {
        return "nested more than " + limits.maxDepth() + " levels deep (mappings and lists inside each other; a release file needs"
                + " about 8); check the brackets and indentation here";
    }

    static String tooMany(ReleaseLimits limits) {
        return "the file holds more than " + limits.maxNodes() + " keys and values (an alias counting each time it is used); ship fewer services per release";
    }

    private Location at(Optional<Mark> mark) {
        return mark.map(m -> new Location(file, m.getLine() + 1, m.getColumn() + 1)).orElse(new Location(file, 1, 1));
    }

    /** A limit was passed: reading stops at once with this error (no stack trace is kept: it is an answer, not a fault). */
    static final class Exceeded extends RuntimeException {
        final SpecError error;

        Exceeded(Location at, String message) {
            super(message, null, false, false);
            this.error = new SpecError(at, "", message);
        }
    }
}
