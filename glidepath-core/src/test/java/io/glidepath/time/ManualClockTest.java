package io.glidepath.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class ManualClockTest {
    static final Instant T0 = Instant.parse("2026-11-27T00:00:00Z");

    @Test
    void aSleeperWakesOnlyWhenTimeHasMovedPastItsEnd() throws Exception {
        ManualClock clock = new ManualClock(T0);
        AtomicBoolean woke = new AtomicBoolean();
        Thread t = Thread.ofVirtual().start(() -> {
            try {
                clock.sleep(Duration.ofSeconds(30));
                woke.set(true);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        await().atMost(Duration.ofSeconds(2)).until(() -> clock.sleepers() == 1);
        clock.advance(Duration.ofSeconds(29));
        assertThat(woke).isFalse();
        clock.advance(Duration.ofSeconds(1));
        t.join(2_000);
        assertThat(woke).isTrue();
        assertThat(clock.now()).isEqualTo(T0.plusSeconds(30));
    }

    @Test
    void anInterruptEndsASleep() throws Exception {
        ManualClock clock = new ManualClock(T0);
        AtomicBoolean interrupted = new AtomicBoolean();
        Thread t = Thread.ofVirtual().start(() -> {
            try {
                clock.sleep(Duration.ofHours(1));
            } catch (InterruptedException e) {
                interrupted.set(true);
            }
        });
        await().atMost(Duration.ofSeconds(2)).until(() -> clock.sleepers() == 1);
        t.interrupt();
        t.join(2_000);
        assertThat(interrupted).isTrue();
    }

    @Test
    void autoAdvanceLetsASingleSleeperRunThrough() throws Exception {
        ManualClock clock = new ManualClock(T0).autoAdvance(true);
        clock.sleep(Duration.ofMinutes(5));
        clock.sleep(Duration.ofSeconds(1));
        assertThat(clock.now()).isEqualTo(T0.plusSeconds(301));
    }
}
