package io.glidepath.engine;

import io.glidepath.journal.RollbackCause;
import io.glidepath.journal.ReleaseEvent;
import io.glidepath.journal.Phase;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class FailpointTest {
    static final Instant AT = Instant.parse("2026-11-27T10:00:00Z");
    final AtomicInteger crashes = new AtomicInteger();

    Failpoint point(String text) {
        return Failpoint.parse(text, crashes::incrementAndGet).orElseThrow();
    }

    static ReleaseEvent traffic(String service) {
        return new ReleaseEvent.TrafficChanged(AT, service, "m", "1", "2", 10, 3);
    }

    @Test
    void crashesAtTheNthMatchingEventOfTheNamedReleaseOnly() {
        Failpoint f = point("shop-2:traffic@catalog#2");
        f.after("shop-1", traffic("catalog"));
        f.after("shop-2", traffic("web"));
        f.after("shop-2", new ReleaseEvent.Note(AT, "catalog", "n"));
        f.after("shop-2", traffic("catalog"));
        assertThat(crashes).hasValue(0);
        f.after("shop-2", traffic("catalog"));
        assertThat(crashes).hasValue(1);
        f.after("shop-2", traffic("catalog"));
        assertThat(crashes).as("only the n-th").hasValue(1);
    }

    @Test
    void phasesAndTheReleaseAsAWhole() {
        Failpoint done = point("r:phase.DONE@web");
        done.after("r", new ReleaseEvent.PhaseChanged(AT, "web", "m", Phase.PROMOTED, "2"));
        assertThat(crashes).hasValue(0);
        done.after("r", new ReleaseEvent.PhaseChanged(AT, "web", "m", Phase.DONE, "2"));
        assertThat(crashes).hasValue(1);

        Failpoint whole = point("r:rollbackDecided@release");
        whole.after("r", new ReleaseEvent.RollbackDecided(AT, "web", "m", "why", RollbackCause.ANALYSIS));
        assertThat(crashes).hasValue(1);
        whole.after("r", new ReleaseEvent.RollbackDecided(AT, null, "m", "why", RollbackCause.ANALYSIS));
        assertThat(crashes).hasValue(2);

        Failpoint any = point("r:submitted");
        any.after("r", new ReleaseEvent.Submitted(AT, null, "m", List.of("web"), List.of(List.of("web"))));
        assertThat(crashes).hasValue(3);
        assertThat(any).hasToString("r:submitted#1");
    }

    @Test
    void blankIsNoneAndMalformedSaysTheForm() {
        assertThat(Failpoint.parse(" ", () -> { })).isEmpty();
        assertThat(Failpoint.parse(null, () -> { })).isEmpty();
        assertThatThrownBy(() -> point("traffic")).hasMessageContaining("is not RELEASE:KIND[.PHASE][@SERVICE][#N]");
        assertThatThrownBy(() -> point("r:phase.SLEEPING")).hasMessageContaining("SLEEPING is not a phase");
    }
}
