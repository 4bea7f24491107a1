package io.glidepath.time;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A clock for tests: time moves only when the test says so. {@link #sleep} blocks until time has
 * been advanced past its end, so a test drives the engine through bakes and deadlines instantly.
 * With {@link #autoAdvance} on, a sleeper moves time forward itself (handy when only one thread
 * sleeps and the test just wants it to get through).
 */
public final class ManualClock implements Clock {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition moved = lock.newCondition();
    private Instant now;
    private volatile boolean autoAdvance;
    private int sleepers;

    public ManualClock(Instant start) {
        this.now = start;
    }

    public ManualClock autoAdvance(boolean on) {
        this.autoAdvance = on;
        lock.lock();
        try {
            moved.signalAll();
        } finally {
            lock.unlock();
        }
        return this;
    }

    @Override
    public Instant now() {
        lock.lock();
        try {
            return now;
        } finally {
            lock.unlock();
        }
    }

    public void advance(Duration d) {
        lock.lock();
        try {
            now = now.plus(d);
            moved.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** How many threads are sleeping right now. */
    public int sleepers() {
        lock.lock();
        try {
            return sleepers;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void sleep(Duration d) throws InterruptedException {
        sleep(d, null);
    }

    /** Blocks until time passed {@code d} from now (auto-advance: moves it there) or, checked every few milliseconds, {@code wakeup} is set. */
    @Override
    public boolean sleep(Duration d, Wakeup wakeup) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            Instant until = now.plus(d);
            sleepers++;
            try {
                while (now.isBefore(until)) {
                    if (wakeup != null && wakeup.isSet()) {
                        return true;
                    }
                    if (autoAdvance) {
                        now = until;
                        moved.signalAll();
                        break;
                    }
                    moved.await(5, TimeUnit.MILLISECONDS);
                }
                return wakeup != null && wakeup.isSet();
            } finally {
                sleepers--;
            }
        } finally {
            lock.unlock();
        }
    }
}
