package io.glidepath.time;

import java.time.Duration;
import java.time.Instant;

/** Wall time; sleeping parks the (virtual) thread. */
final class SystemClock implements Clock {
    static final SystemClock INSTANCE = new SystemClock();

    @Override
    public Instant now() {
        return Instant.now();
    }

    @Override
    public void sleep(Duration d) throws InterruptedException {
        if (!d.isNegative() && !d.isZero()) {
            Thread.sleep(d); // the engine's clock: the one place where waiting is a sleep
        }
    }

    @Override
    public boolean sleep(Duration d, Wakeup wakeup) throws InterruptedException {
        return wakeup.isSet() || wakeup.await(d);
    }
}
