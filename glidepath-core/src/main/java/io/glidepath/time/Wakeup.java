package io.glidepath.time;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ends a {@link Clock#sleep(Duration, Wakeup)} early, from another thread (an abort). Unlike an
 * interrupt it touches nothing else the sleeper may be doing: a journal write in progress on a
 * JDBC connection finishes, and the sleeper sees the wakeup at its next wait. Once set, it stays set.
 */
public final class Wakeup {
    private final CountDownLatch set = new CountDownLatch(1);

    public void wake() {
        set.countDown();
    }

    public boolean isSet() {
        return set.getCount() == 0;
    }

    /** Waits up to {@code d} of wall time; true when woken. */
    boolean await(Duration d) throws InterruptedException {
        return set.await(Math.max(0, d.toNanos()), TimeUnit.NANOSECONDS);
    }
}
