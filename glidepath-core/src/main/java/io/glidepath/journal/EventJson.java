package io.glidepath.journal;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/** {@link ReleaseEvent}s as JSON, for the journal, the API and the CLI: {@code {"kind": "phase", ...}}. */
public final class EventJson {
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);

    private EventJson() {
    }

    public static String write(ReleaseEvent e) {
        try {
            return MAPPER.writeValueAsString(e);
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException("an event that cannot be written as JSON: " + e, ex);
        }
    }

    private static final java.util.Map<Class<?>, String> KINDS = java.util.Arrays.stream(
            ReleaseEvent.class.getAnnotation(com.fasterxml.jackson.annotation.JsonSubTypes.class).value())
            .collect(java.util.stream.Collectors.toUnmodifiableMap(com.fasterxml.jackson.annotation.JsonSubTypes.Type::value,
                    com.fasterxml.jackson.annotation.JsonSubTypes.Type::name));

    /** The event's {@code kind} as written in JSON ("traffic", "verdict", ...). */
    public static String kind(ReleaseEvent e) {
        return KINDS.get(e.getClass());
    }

    public static ReleaseEvent read(String json) {
        try {
            return MAPPER.readValue(json, ReleaseEvent.class);
        } catch (JsonProcessingException ex) {
            throw new IllegalArgumentException("not a release event: " + ex.getOriginalMessage(), ex);
        }
    }
}
