package io.glidepath.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.glidepath.route.FieldError;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;

/**
 * Request bodies of the JSON APIs: read whole up to a size limit, parsed with a bounded nesting
 * depth (the APIs' documents are a few levels deep; a body of thousands of {@code [} must cost
 * nothing and get a 400, not a deep recursion), and every parse error located by line and column.
 */
public final class JsonBodies {
    /** The deepest nesting a body may have; a route is 3 levels deep, a token 1. */
    public static final int MAX_DEPTH = 64;

    private static final JsonMapper READER = JsonMapper.builder(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build()).build()).build();

    private JsonBodies() {
    }

    /** What parsing a body gave: its tree, or the one located error that stopped it. */
    public sealed interface Parsed {
        record Tree(JsonNode node) implements Parsed {
        }

        record Invalid(FieldError error) implements Parsed {
        }
    }

    /** Reads bodies up to {@code limit} bytes into memory (no file uploads); a larger one fails with 413. */
    public static BodyHandler handler(long limit) {
        return BodyHandler.create().setBodyLimit(limit).setHandleFileUploads(false);
    }

    /**
     * Parses {@code text} as one JSON value. An empty or blank text, invalid JSON and nesting deeper
     * than {@link #MAX_DEPTH} are {@link Parsed.Invalid}, with the line and column where reading
     * stopped, each message ending with {@code example} (a good body) when given.
     */
    public static Parsed parse(String text, String example) {
        String send = example == null ? "" : "; send a JSON object such as " + example;
        if (text == null || text.isBlank()) {
            return invalid("", "the request body is empty; send a JSON object" + (example == null ? "" : " such as " + example));
        }
        JsonParser p;
        try {
            p = READER.createParser(text);
        } catch (IOException e) {
            throw new UncheckedIOException("a parser over a string cannot fail to open", e);
        }
        try {
            JsonNode node = READER.readTree(p);
            return node == null ? invalid("", "the request body is empty" + send) : new Parsed.Tree(node);
        } catch (StreamConstraintsException e) {
            // the constraint's exception has no location: the parser's own (read before it closes) says where it stopped
            if (p.getParsingContext() != null && p.getParsingContext().getNestingDepth() >= MAX_DEPTH) {
                return invalid(p.getParsingContext().pathAsPointer().toString(), "the body nests deeper than " + MAX_DEPTH + " levels"
                        + at(p.currentLocation()) + "; a request body is a few levels deep" + send);
            }
            return invalid("", "the body is too large to read" + at(p.currentLocation()) + ": " + e.getOriginalMessage() + send);
        } catch (JsonProcessingException e) {
            JsonLocation where = e.getLocation() != null ? e.getLocation() : p.currentLocation();
            return invalid("", "the body is not valid JSON" + at(where) + ": " + e.getOriginalMessage() + send);
        } catch (IOException e) {
            throw new UncheckedIOException("reading a string cannot fail but for its content", e);
        } finally {
            close(p);
        }
    }

    private static void close(JsonParser p) {
        try {
            p.close();
        } catch (IOException e) {
            throw new UncheckedIOException("closing a parser over a string cannot fail", e);
        }
    }

    /**
     * The body of the call as JSON; when it is empty, not valid JSON or too deep, answers 400 with the
     * located error (ending with {@code example}, a good body, when given) and returns empty.
     */
    public static Optional<JsonNode> read(RoutingContext ctx, String example) {
        return switch (parse(ctx.body() == null ? null : ctx.body().asString(), example)) {
            case Parsed.Tree t -> Optional.of(t.node());
            case Parsed.Invalid i -> {
                JsonApi.fieldErrors(ctx, List.of(i.error()));
                yield Optional.empty();
            }
        };
    }

    private static Parsed invalid(String pointer, String message) {
        return new Parsed.Invalid(new FieldError(pointer, message));
    }

    private static String at(JsonLocation l) {
        return l == null || l.getLineNr() < 1 ? "" : " at line " + l.getLineNr() + ", column " + l.getColumnNr();
    }
}
