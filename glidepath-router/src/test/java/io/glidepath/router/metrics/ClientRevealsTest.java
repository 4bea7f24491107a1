package io.glidepath.router.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.glidepath.analysis.ClientOutcome;
import io.glidepath.route.RouteSpec;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A sticky split's clients revealed to the judge: when, with what, and which ones never are. */
class ClientRevealsTest {
    static final long START = 1_700_000_000_000L;
    final AtomicLong clock = new AtomicLong(START);
    final ClientReveals reveals = new ClientReveals(1_000, clock::get);

    private long second() {
        return Math.floorDiv(clock.get(), 1000);
    }

    private void after(int seconds) {
        clock.addAndGet(seconds * 1000L);
    }

    @Test
    void aClientIsRevealedOnceItsRequestsAtTheRoutesErrorRateWouldHoldTenErrors() {
        // the route's errors so far: half of everything, so ten expected errors take 20 requests
        for (int i = 0; i < 19; i++) {
            reveals.record(7, true, 2500, i % 2 == 1);
        }
        assertThat(reveals.seconds(second(), second() + 1)).as("19 requests at 9/19 hold 9 errors").isEmpty();
        reveals.record(7, true, 2500, true);
        assertThat(reveals.seconds(second(), second() + 1)).containsExactly(new ClientOutcome(0, true, 0.25, 20, 10));
        reveals.record(7, true, 2500, true);
        assertThat(reveals.seconds(second(), second() + 1)).as("once per level").hasSize(1);
        for (int i = 0; i < 59; i++) {
            reveals.record(7, true, 2500, i % 2 == 0);
        }
        // forty expected errors at the route's rate, about half: the second level, with everything since its first request
        assertThat(reveals.seconds(second(), second() + 1)).hasSize(2).last()
                .satisfies(c -> assertThat(c.level()).isEqualTo(1))
                .satisfies(c -> assertThat(c.requests()).isBetween(78L, 80L));
    }

    @Test
    void aQuietClientIsRevealedAtEachLevelsTimeByTheSweepWithWhatItSentSoFar() {
        reveals.record(11, false, 1000, false);
        reveals.record(11, false, 1000, true);
        after((int) ClientOutcome.REVEALS.get(0).by().toSeconds());
        reveals.sweep();
        assertThat(reveals.seconds(second(), second() + 1)).containsExactly(new ClientOutcome(0, false, 0.1, 2, 1));
        reveals.sweep();
        assertThat(reveals.seconds(second(), second() + 1)).as("one sweep a second").hasSize(1);
        after((int) ClientOutcome.REVEALS.get(1).by().toSeconds());
        reveals.sweep();
        assertThat(reveals.seconds(second(), second() + 1)).containsExactly(new ClientOutcome(1, false, 0.1, 2, 1));
        assertThat(reveals.seconds(second() - 1000, second())).as("the earlier second is past its keeping").isEmpty();
    }

    @Test
    void aClientTheWeightStepMovedIsNeverRevealedAndOneItKeptHasTheChanceItsWeightsGave() {
        reveals.record(1, false, 1000, false); // stable at 10%...
        reveals.record(1, true, 5000, false);  // ...then on the canary at 50%: moved
        reveals.record(2, false, 1000, false); // stable at 10% and still at 50%
        reveals.record(2, false, 5000, false);
        reveals.record(3, true, 1000, false);  // canary at 10% and at 50%
        reveals.record(3, true, 5000, true);
        after(120);
        reveals.sweep();
        assertThat(reveals.seconds(second(), second() + 1)).containsExactlyInAnyOrder(
                new ClientOutcome(0, false, 1000.0 / (1000 + RouteSpec.FULL_WEIGHT - 5000), 2, 0),
                new ClientOutcome(0, true, 1000.0 / (1000 + RouteSpec.FULL_WEIGHT - 5000), 2, 1));
    }

    @Test
    void beyondItsCapANewClientIsNotTracked() {
        ClientReveals small = new ClientReveals(2, clock::get);
        small.record(1, true, 5000, false);
        small.record(2, false, 5000, false);
        small.record(3, false, 5000, true);
        assertThat(small.tracked()).isEqualTo(2);
        after(120);
        small.sweep();
        assertThat(small.seconds(second(), second() + 1)).hasSize(2).noneMatch(c -> c.errors() > 0);
    }
}
