package io.glidepath.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.glidepath.api.JsonBodies.Parsed;
import io.glidepath.route.FieldError;
import org.junit.jupiter.api.Test;

class JsonBodiesTest {

    @Test
    void aShallowBodyIsItsTree() {
        Parsed p = parse("{\"name\": \"ci-bot\", \"tags\": [[1, {\"a\": []}]]}");
        assertThat(p).isInstanceOfSatisfying(Parsed.Tree.class, t -> assertThat(t.node().path("tags").get(0).get(1).has("a")).isTrue());
    }

    @Test
    void thousandsOfNestedArraysStopAtTheDepthLimitWithTheirLocation() {
        FieldError e = invalid(parse("[".repeat(20_000)));
        assertThat(e.message()).startsWith("the body nests deeper than 64 levels at line 1, column 66;");
        assertThat(e.pointer()).isEqualTo("/0".repeat(JsonBodies.MAX_DEPTH));
    }

    @Test
    void nestedObjectsOnSeveralLinesNameTheLineAndThePointer() {
        FieldError e = invalid(parse("{\n" + "\"a\": {\n".repeat(10_000) + "}"));
        assertThat(e.message()).startsWith("the body nests deeper than 64 levels at line 65, column ");
        assertThat(e.pointer()).as("the value that would open level 65").isEqualTo("/a".repeat(JsonBodies.MAX_DEPTH));
    }

    @Test
    void exactlyTheLimitIsAccepted() {
        assertThat(parse("[".repeat(JsonBodies.MAX_DEPTH) + "]".repeat(JsonBodies.MAX_DEPTH))).isInstanceOf(Parsed.Tree.class);
        assertThat(parse("[".repeat(JsonBodies.MAX_DEPTH + 1) + "]".repeat(JsonBodies.MAX_DEPTH + 1))).isInstanceOf(Parsed.Invalid.class);
    }

    @Test
    void invalidJsonIsLocatedAndEndsWithTheExample() {
        FieldError e = invalid(JsonBodies.parse("{\"name\": \"x\",\n \"role\" \"admin\"}", "{\"name\": \"ci-bot\"}"));
        assertThat(e.pointer()).isEmpty();
        assertThat(e.message()).startsWith("the body is not valid JSON at line 2, column ").endsWith("; send a JSON object such as {\"name\": \"ci-bot\"}");
    }

    @Test
    void anEmptyBodySaysSo() {
        assertThat(invalid(parse("  \n")).message()).isEqualTo("the request body is empty; send a JSON object");
        assertThat(invalid(parse(null)).message()).isEqualTo("the request body is empty; send a JSON object");
    }

    @Test
    void aNumberTooLongToReadIsNotCalledTooDeep() {
        FieldError e = invalid(parse("[" + "9".repeat(5000) + "]"));
        assertThat(e.message()).startsWith("the body is too large to read at line 1").doesNotContain("nests");
    }

    private static Parsed parse(String text) {
        return JsonBodies.parse(text, null);
    }

    private static FieldError invalid(Parsed p) {
        assertThat(p).isInstanceOf(Parsed.Invalid.class);
        return ((Parsed.Invalid) p).error();
    }
}
