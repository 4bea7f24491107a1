package io.glidepath.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

class SuggestionsTest {
    static final Set<String> FIELDS = Set.of("canaryWeight", "health", "stable", "sticky", "drainTimeout");

    @Test
    void suggestsTheClosestKnownName() {
        assertThat(Suggestions.closest("helth", FIELDS)).contains("health");
        assertThat(Suggestions.closest("stabel", FIELDS)).contains("stable");
        assertThat(Suggestions.closest("weight", FIELDS)).contains("canaryWeight");
        assertThat(Suggestions.closest("drain", FIELDS)).contains("drainTimeout");
        assertThat(Suggestions.closest("prot", java.util.Set.of("port", "instance"))).as("a swap is one edit").contains("port");
    }

    @Test
    void suggestsNothingForAnUnrelatedName() {
        assertThat(Suggestions.closest("replicas", FIELDS)).isEmpty();
        assertThat(Suggestions.closest("x", FIELDS)).isEmpty();
    }
}
