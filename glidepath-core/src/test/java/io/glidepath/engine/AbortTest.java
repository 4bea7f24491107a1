package io.glidepath.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.glidepath.journal.Outcome;
import io.glidepath.journal.ReleaseEvent;
import io.glidepath.journal.RollbackCause;
import io.glidepath.journal.StoredEvent;
import io.glidepath.store.ReleaseRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * An abort wakes the deployment; it never interrupts its thread. An interrupt landing during a
 * journal write on PostgreSQL would close the JDBC connection mid-write; here a write is held in
 * the store as a slow database would hold it, the abort comes meanwhile, and the write must finish
 * uninterrupted with every event of the release journaled in order.
 */
class AbortTest extends EngineFixture {

    @Test
    void anAbortDuringAJournalWriteInterruptsNothingAndLosesNoEvent() throws Exception {
        engine.submit(EngineTest.release("1.0.0", ""), "r.yaml", "", Path.of("."), "alice");
        engine.awaitAll(Duration.ofSeconds(20));
        CountDownLatch inWrite = new CountDownLatch(1);
        CountDownLatch finishWrite = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        AtomicInteger verdicts = new AtomicInteger();
        store.beforeAppend = e -> {
            if (e instanceof ReleaseEvent.VerdictGiven && verdicts.incrementAndGet() == 2) {
                inWrite.countDown();
                boolean wasInterrupted = false;
                while (true) { // as a blocking socket write does, the wait goes on; an interrupt is only noticed
                    try {
                        finishWrite.await();
                        break;
                    } catch (InterruptedException ie) {
                        wasInterrupted = true;
                    }
                }
                interrupted.set(wasInterrupted || Thread.currentThread().isInterrupted());
            }
        };

        ReleaseRecord r = engine.submit(EngineTest.release("2.0.0", "    steps: [{weight: 10}, {bake: 30s}]\n"), "r.yaml", "", Path.of("."), "bob");
        assertThat(inWrite.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(engine.abort(r.id(), "carol")).isTrue();
        finishWrite.countDown();
        engine.awaitAll(Duration.ofSeconds(20));

        assertThat(interrupted).as("the deployment's thread was interrupted during a journal write").isFalse();
        List<StoredEvent> journal = store.events(r.id(), 0);
        assertThat(journal).extracting(StoredEvent::seq).containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, journal.size()).boxed().toList());
        assertThat(journal).map(StoredEvent::event).filteredOn(e -> e instanceof ReleaseEvent.VerdictGiven).hasSize(2);
        assertThat(journal).map(StoredEvent::event).filteredOn(e -> e instanceof ReleaseEvent.RollbackDecided).first()
                .satisfies(e -> assertThat(((ReleaseEvent.RollbackDecided) e).cause()).isEqualTo(RollbackCause.ABORTED));
        assertThat(journal.getLast().event()).isInstanceOfSatisfying(ReleaseEvent.Finished.class, f -> {
            assertThat(f.outcome()).isEqualTo(Outcome.ROLLED_BACK);
            assertThat(f.reason()).isEqualTo("catalog: aborted by carol");
            assertThat(f.cause()).isEqualTo(RollbackCause.ABORTED);
        });
        assertThat(store.release(r.id()).orElseThrow().outcome()).contains(Outcome.ROLLED_BACK);
    }
}
