package io.glidepath.time;

import java.time.Duration;
import java.time.Instant;
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
        lock.lockInterruptibly();
        try {
            Instant until = now.plus(d);
            sleepers++;
            try {
                while (now.isBefore(until)) {
                    if (autoAdvance) {
                        now = until;
                        moved.signalAll();
                        break;
                    }
                    moved.await();
                }
            } finally {
                sleepers--;
            }
        } finally {
            lock.unlock();
        }
    }
}
