package io.glidepath.router.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class ClientErrorLedgerTest {

    @Test
    void aClientsFirstErrorIsFirstAndItsLaterOnesAreNot() {
        ClientErrorLedger ledger = new ClientErrorLedger();
        assertThat(ledger.firstError(42)).isTrue();
        assertThat(ledger.firstError(42)).isFalse();
        assertThat(ledger.firstError(43)).isTrue();
        assertThat(ledger.firstError(-42)).as("negative hashes are clients like any other").isTrue();
        assertThat(ledger.firstError(42)).isFalse();
        assertThat(ledger.size()).isEqualTo(3);
        assertThat(ledger.full()).isFalse();
    }

    @Test
    void aLedgerHoldsNoSlotsUntilItsFirstError() {
        ClientErrorLedger ledger = new ClientErrorLedger();
        assertThat(ledger.capacity()).as("a route whose clients never err costs no slots").isZero();
        assertThat(ledger.firstError(42)).isTrue();
        assertThat(ledger.capacity()).isEqualTo(ClientErrorLedger.INITIAL_SLOTS);
        assertThat(ledger.firstError(42)).isFalse();
    }

    @Test
    void aClientWhoseHashIsZeroIsKeptToo() {
        ClientErrorLedger ledger = new ClientErrorLedger();
        assertThat(ledger.firstError(0)).isTrue();
        assertThat(ledger.firstError(0)).isFalse();
        assertThat(ledger.size()).isEqualTo(1);
    }

    @Test
    void growsPastItsFirstSlotsAndStillKnowsEveryClient() {
        ClientErrorLedger ledger = new ClientErrorLedger();
        int clients = ClientErrorLedger.INITIAL_SLOTS * 20;
        long[] hashes = RandomGenerator.of("L64X128MixRandom").longs(clients).distinct().toArray();
        for (long h : hashes) {
            assertThat(ledger.firstError(h)).isTrue();
        }
        assertThat(ledger.capacity()).as("doubled while at most half full").isGreaterThanOrEqualTo(2 * hashes.length);
        for (long h : hashes) {
            assertThat(ledger.firstError(h)).as("client %d again", h).isFalse();
        }
        assertThat(ledger.size()).isEqualTo(hashes.length);
    }

    @Test
    void consecutiveHashesSpreadAsWellAsRandomOnes() {
        ClientErrorLedger ledger = new ClientErrorLedger();
        LongStream.range(1, 50_000).forEach(h -> assertThat(ledger.firstError(h << 20)).isTrue());
        LongStream.range(1, 50_000).forEach(h -> assertThat(ledger.firstError(h << 20)).isFalse());
        assertThat(ledger.size()).isEqualTo(49_999);
    }

    @Test
    void onceFullItTurnsNewClientsAwayAndSaysSoButStillKnowsItsOwn() {
        ClientErrorLedger ledger = new ClientErrorLedger(3);
        assertThat(ledger.firstError(1)).isTrue();
        assertThat(ledger.firstError(2)).isTrue();
        assertThat(ledger.firstError(3)).isTrue();
        assertThat(ledger.full()).as("at the cap but nobody turned away: its counts are still whole").isFalse();
        assertThat(ledger.firstError(3)).isFalse();
        assertThat(ledger.firstError(4)).as("no room for a fourth").isFalse();
        assertThat(ledger.full()).isTrue();
        assertThat(ledger.firstError(0)).isFalse();
        assertThat(ledger.firstError(5)).isFalse();
        assertThat(ledger.firstError(1)).isFalse();
        assertThat(ledger.size()).isEqualTo(3);
    }

    @Test
    void aNewLedgerForANewCanaryKnowsNobody() {
        ClientErrorLedger before = new ClientErrorLedger(1);
        before.firstError(7);
        before.firstError(8);
        assertThat(before.full()).isTrue();
        ClientErrorLedger after = new ClientErrorLedger(1);
        assertThat(after.full()).isFalse();
        assertThat(after.firstError(7)).isTrue();
    }

    @Test
    void manyWritersCountEachClientOnce() throws Exception {
        ClientErrorLedger ledger = new ClientErrorLedger();
        AtomicInteger firsts = new AtomicInteger();
        int clients = 20_000;
        List<Future<?>> done = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            for (int w = 0; w < 4; w++) {
                long offset = w;
                done.add(pool.submit(() -> {
                    for (long c = 0; c < clients; c++) {
                        // every writer meets every client, in a different order
                        if (ledger.firstError(((c + offset * 5_000) % clients) * 0x9E3779B97F4A7C15L + 1)) {
                            firsts.incrementAndGet();
                        }
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        }
        assertThat(firsts.get()).isEqualTo(clients);
        assertThat(ledger.size()).isEqualTo(clients);
    }

    @Test
    void refusesACapBelowOne() {
        assertThatThrownBy(() -> new ClientErrorLedger(0)).hasMessageContaining("at least one client");
    }
}
