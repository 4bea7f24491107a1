package io.glidepath.engine.internal;

import io.glidepath.spec.ReleaseSpec;
import io.glidepath.store.ReleaseRecord;
import io.glidepath.store.Store;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Releases waiting for services another release holds, in the order they were submitted. A waiting
 * release starts when it can take all its services at once (the store's locks), never before one
 * submitted earlier that wants the same services and is still waiting for them.
 */
public final class ReleaseQueue {

    /** A release waiting its turn. */
    public record Waiting(ReleaseRecord record, ReleaseSpec spec, Path baseDir) {
        public String id() {
            return record.id();
        }
    }

    private final List<Waiting> waiting = new ArrayList<>();

    public synchronized void add(Waiting w) {
        waiting.add(w);
    }

    /** Takes, in order, the releases whose services the store now lets them lock (they are locked for them). */
    public synchronized List<Waiting> takeStartable(Store store) {
        List<Waiting> start = new ArrayList<>();
        for (var it = waiting.iterator(); it.hasNext(); ) {
            Waiting w = it.next();
            if (store.lock(w.record().services(), w.id()).isEmpty()) {
                it.remove();
                start.add(w);
            }
        }
        return start;
    }

    /** Takes a release out of the queue; empty when it is not waiting. */
    public synchronized Optional<Waiting> remove(String releaseId) {
        Optional<Waiting> w = waiting.stream().filter(x -> x.id().equals(releaseId)).findFirst();
        w.ifPresent(waiting::remove);
        return w;
    }

    public synchronized boolean contains(String releaseId) {
        return waiting.stream().anyMatch(w -> w.id().equals(releaseId));
    }

    /** The waiting releases, in the order they will start. */
    public synchronized List<Waiting> snapshot() {
        return List.copyOf(waiting);
    }
}
