package io.glidepath.server.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.glidepath.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The feed's fan-out on a counting source: one read per tick for every watcher, none without watchers. */
class LiveFeedTest {
    private final AtomicInteger reads = new AtomicInteger();
    private final LiveSource counting = () -> {
        reads.incrementAndGet();
        return new LiveSnapshot(Instant.now(), Duration.ofSeconds(5), List.of());
    };

    @Test
    void everyWatcherGetsTheSameFrameFromOneReadPerTick() {
        try (LiveFeed feed = new LiveFeed(counting, Clock.system(), Duration.ofMillis(100)).start()) {
            // nobody watches: nothing is read
            await().during(Duration.ofMillis(350)).atMost(Duration.ofSeconds(2)).until(() -> reads.get() == 0);

            List<List<LiveFeed.Frame>> got = List.of(new CopyOnWriteArrayList<>(), new CopyOnWriteArrayList<>(), new CopyOnWriteArrayList<>());
            List<Runnable> stops = got.stream().map(list -> feed.watch(list::add)).toList();
            // a watcher that throws does not stop the others
            Runnable broken = feed.watch(f -> {
                throw new IllegalStateException("a broken watcher");
            });
            await().atMost(Duration.ofSeconds(5)).until(() -> got.stream().allMatch(l -> l.size() >= 5));
            stops.forEach(Runnable::run);
            broken.run();
            int readsWhenStopped = reads.get();

            List<Long> seqs = got.get(0).stream().map(LiveFeed.Frame::seq).toList();
            assertThat(seqs).as("numbered in order, one per read").isSorted().doesNotHaveDuplicates();
            Map<Long, LiveFeed.Frame> bySeq = got.get(0).stream().collect(Collectors.toMap(LiveFeed.Frame::seq, f -> f));
            for (List<LiveFeed.Frame> other : got.subList(1, 3)) {
                List<LiveFeed.Frame> shared = other.stream().filter(f -> bySeq.containsKey(f.seq())).toList();
                assertThat(shared).hasSizeGreaterThanOrEqualTo(4);
                shared.forEach(f -> assertThat(f).as("the same frame object, JSON written once").isSameAs(bySeq.get(f.seq())));
            }
            assertThat(got.get(0).get(0).json()).startsWith("{\"seq\":1,").contains("\"windowSeconds\":5.0,\"releases\":[]");
            assertThat((long) readsWhenStopped).as("one read per tick, whatever the number of watchers").isBetween(seqs.get(seqs.size() - 1), seqs.get(seqs.size() - 1) + 1);

            // everybody left: reading stops
            await().during(Duration.ofMillis(350)).atMost(Duration.ofSeconds(2)).until(() -> reads.get() <= readsWhenStopped + 1);
            assertThat(feed.watchers()).isZero();
        }
    }

    @Test
    void aNewWatcherGetsTheLastFrameAtOnceWhenItIsFresh() {
        try (LiveFeed feed = new LiveFeed(counting, Clock.system(), Duration.ofSeconds(30)).start()) {
            // a 30 s period: nothing is read during this test, so the first watcher gets nothing at once
            List<LiveFeed.Frame> first = new CopyOnWriteArrayList<>();
            Runnable stop = feed.watch(first::add);
            assertThat(first).isEmpty();
            stop.run();
        }
        try (LiveFeed feed = new LiveFeed(counting, Clock.system(), Duration.ofMillis(200)).start()) {
            List<LiveFeed.Frame> first = new CopyOnWriteArrayList<>();
            Runnable stop = feed.watch(first::add);
            await().atMost(Duration.ofSeconds(2)).until(() -> !first.isEmpty());
            List<LiveFeed.Frame> second = new CopyOnWriteArrayList<>();
            Runnable stop2 = feed.watch(second::add);
            assertThat(second).as("delivered during watch(), before the next tick").isNotEmpty();
            assertThat(second.get(0).seq()).isGreaterThanOrEqualTo(first.get(0).seq());
            stop.run();
            stop2.run();
        }
    }
}
