package io.glidepath.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
    @Test
    void waitsDoubleFromTheFirstUpToTheMax() {
        Backoff b = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(10), Backoff.UNLIMITED);
        assertThat(b.delay(1)).isEqualTo(Duration.ofMillis(500));
        assertThat(b.delay(2)).isEqualTo(Duration.ofSeconds(1));
        assertThat(b.delay(5)).isEqualTo(Duration.ofSeconds(8));
        assertThat(b.delay(6)).isEqualTo(Duration.ofSeconds(10));
        assertThat(b.delay(10_000)).isEqualTo(Duration.ofSeconds(10));
        assertThat(b.allows(1_000_000)).isTrue();
    }

    @Test
    void retriesAreCountedAndBadSettingsAreRefusedNamingTheValue() {
        Backoff b = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(16), 5);
        assertThat(b.allows(5)).isTrue();
        assertThat(b.allows(6)).isFalse();
        assertThat(b.allows(0)).isFalse();
        assertThat(b.delay(5)).isEqualTo(Duration.ofSeconds(16));
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), 1)).hasMessageContaining("PT2S");
        assertThatThrownBy(() -> b.delay(0)).hasMessageContaining("from 1");
    }
}
