package io.glidepath.time;

import java.time.Duration;
import java.time.Instant;

/**
 * All waiting and timing in the engine goes through this, so that engine tests run on a
 * {@link ManualClock} and take milliseconds. Sleeps end early when the sleeping thread is
 * interrupted (an abort).
 */
public interface Clock {
    Instant now();

    void sleep(Duration d) throws InterruptedException;

    /** The time since {@code start}. */
    default Duration since(Instant start) {
        return Duration.between(start, now());
    }

    static Clock system() {
        return SystemClock.INSTANCE;
    }
}
