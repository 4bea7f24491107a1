package io.glidepath.engine;

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

    public static ReleaseEvent read(String json) {
        try {
            return MAPPER.readValue(json, ReleaseEvent.class);
        } catch (JsonProcessingException ex) {
            throw new IllegalArgumentException("not a release event: " + ex.getOriginalMessage(), ex);
        }
    }
}
