package io.glidepath.engine.internal;

import io.glidepath.engine.Failpoint;
import io.glidepath.journal.ReleaseEvent;
import io.glidepath.journal.StoredEvent;
import io.glidepath.store.Store;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every event of every release goes through here: journaled first (durable before the step it
 * announces), then the failpoint (crash tests), then the release's followers (its SSE streams),
 * then the followers of every release (the notifier, the metrics). Followers run on the emitting
 * thread and must return at once; one that throws is logged and skipped.
 */
public final class EventBus {
    private static final Logger log = LoggerFactory.getLogger(EventBus.class);

    private final Store store;
    private final Optional<Failpoint> failpoint;
    private final Map<String, List<Consumer<StoredEvent>>> followers = new ConcurrentHashMap<>();
    private final List<Consumer<StoredEvent>> followersOfAll = new CopyOnWriteArrayList<>();

    public EventBus(Store store, Optional<Failpoint> failpoint) {
        this.store = store;
        this.failpoint = failpoint;
    }

    /** Journals, then tells the followers. */
    public void emit(String releaseId, ReleaseEvent e) {
        long seq = store.append(releaseId, e);
        failpoint.ifPresent(f -> f.after(releaseId, e));
        StoredEvent stored = new StoredEvent(releaseId, seq, e);
        log.info("[{}] {}", releaseId, e.message());
        tell(followers.getOrDefault(releaseId, List.of()), stored);
        tell(followersOfAll, stored);
    }

    /** The sink of one release. */
    public EventSink sink(String releaseId) {
        return e -> emit(releaseId, e);
    }

    private static void tell(List<Consumer<StoredEvent>> to, StoredEvent stored) {
        for (Consumer<StoredEvent> f : to) {
            try {
                f.accept(stored);
            } catch (RuntimeException ex) {
                log.warn("a follower of release {} failed on event {}", stored.releaseId(), stored.seq(), ex);
            }
        }
    }

    /** Calls {@code follower} with each new event of the release; returns a handle to stop. */
    public Runnable follow(String releaseId, Consumer<StoredEvent> follower) {
        followers.computeIfAbsent(releaseId, k -> new CopyOnWriteArrayList<>()).add(follower);
        return () -> followers.getOrDefault(releaseId, List.of()).remove(follower);
    }

    /** Calls {@code follower} with each new event of every release; returns a handle to stop. */
    public Runnable followAll(Consumer<StoredEvent> follower) {
        followersOfAll.add(follower);
        return () -> followersOfAll.remove(follower);
    }
}
