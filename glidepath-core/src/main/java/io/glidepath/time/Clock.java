package io.glidepath.time;

import java.time.Duration;
import java.time.Instant;

/**
 * All waiting and timing in the engine goes through this, so that engine tests run on a
 * {@link ManualClock} and take milliseconds. A sleep given a {@link Wakeup} ends early when it is
 * woken (an abort); the engine never interrupts its threads to stop a wait.
 */
public interface Clock {
    Instant now();

    void sleep(Duration d) throws InterruptedException;

    /** Sleeps for {@code d}, or until {@code wakeup} is set; true when woken (at once when it already was). */
    boolean sleep(Duration d, Wakeup wakeup) throws InterruptedException;

    /** The time since {@code start}. */
    default Duration since(Instant start) {
        return Duration.between(start, now());
    }

    static Clock system() {
        return SystemClock.INSTANCE;
    }
}
