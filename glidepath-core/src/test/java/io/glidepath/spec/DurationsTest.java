package io.glidepath.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {
    @Test
    void readsDurationsAsPeopleWriteThem() {
        assertThat(Durations.parse("500ms")).contains(Duration.ofMillis(500));
        assertThat(Durations.parse("30s")).contains(Duration.ofSeconds(30));
        assertThat(Durations.parse("1.5s")).contains(Duration.ofMillis(1500));
        assertThat(Durations.parse("5m")).contains(Duration.ofMinutes(5));
        assertThat(Durations.parse("2h")).contains(Duration.ofHours(2));
        assertThat(Durations.parse(" 10s ")).contains(Duration.ofSeconds(10));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "10", "s", "-1s", "1 s", "1.s", "5 minutes", "1e3ms", "99999999999999999h"})
    void refusesWhatIsNotADuration(String text) {
        assertThat(Durations.parse(text)).isEmpty();
    }

    @Test
    void writesTheShortestExactForm() {
        assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThat(Durations.format(Duration.ofSeconds(30))).isEqualTo("30s");
        assertThat(Durations.format(Duration.ofSeconds(300))).isEqualTo("5m");
        assertThat(Durations.format(Duration.ofHours(1))).isEqualTo("1h");
        assertThat(Durations.format(Duration.ZERO)).isEqualTo("0s");
    }
}
