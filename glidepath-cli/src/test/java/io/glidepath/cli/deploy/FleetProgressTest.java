package io.glidepath.cli.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.cli.FleetFiles;
import io.glidepath.cli.term.Terminal;
import io.glidepath.journal.EventJson;
import io.glidepath.journal.Outcome;
import io.glidepath.journal.Phase;
import io.glidepath.journal.ReleaseEvent;
import io.glidepath.journal.RollbackCause;
import io.glidepath.journal.WaveState;
import io.glidepath.spec.Includes;
import io.glidepath.spec.ReleaseReader;
import io.glidepath.spec.ReleaseSpec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Live progress and the deploy summary of a release with a fleet: one line per ring, failed customers with reasons, time left. */
class FleetProgressTest {
    static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    ReleaseSpec spec;
    final List<JsonNode> events = new ArrayList<>();

    @BeforeEach
    void read() throws Exception {
        spec = ReleaseReader.read("deploy/release.yaml", FleetFiles.RELEASE, Includes.of(Map.of("customers.yaml", FleetFiles.CUSTOMERS)));
    }

    void at(long seconds, ReleaseEvent e) {
        events.add(EventJson.MAPPER.valueToTree(e));
    }

    static Instant t(long seconds) {
        return T0.plusSeconds(seconds);
    }

    static ReleaseEvent phase(long s, String service, Phase p) {
        return new ReleaseEvent.PhaseChanged(t(s), service, service + " " + p, p, "v2");
    }

    static ReleaseEvent wave(long s, int wave, WaveState state, String ring) {
        return new ReleaseEvent.WaveChanged(t(s), null, "wave " + wave + " " + state, wave, List.of(), state, ring);
    }

    /** Ring internal done after its gate and bake; in ring early c02 is done (40s) and c03 failed within the budget. */
    void midRelease() {
        at(0, new ReleaseEvent.Submitted(t(0), null, "release web-v2 submitted", List.of(), List.of()));
        at(0, wave(0, 1, WaveState.GATED, "internal"));
        at(5, wave(5, 1, WaveState.STARTED, "internal"));
        at(5, phase(5, "web.c01", Phase.STARTING));
        at(35, phase(35, "web.c01", Phase.DONE));
        at(35, wave(35, 1, WaveState.BAKING, "internal"));
        at(95, wave(95, 1, WaveState.DONE, "internal"));
        at(95, wave(95, 2, WaveState.STARTED, "early"));
        at(95, phase(95, "web.c02", Phase.STARTING));
        at(135, phase(135, "web.c02", Phase.DONE));
        at(135, phase(135, "web.c03", Phase.STARTING));
        at(140, phase(140, "web.c03", Phase.ROLLING_BACK));
        at(141, new ReleaseEvent.CustomerFailed(t(141), "web.c03", "customer c03 (ring early) failed", "web", "c03", "early",
                "smoke test home: 500 Internal Server Error", RollbackCause.SMOKE_TEST, 1, 1, false, true));
        at(142, phase(142, "web.c03", Phase.ROLLED_BACK));
    }

    FleetBoard board() {
        FleetBoard b = new FleetBoard(spec);
        events.forEach(b::event);
        return b;
    }

    @Test
    void eachRingIsOneLineWithCountsItsStateAndItsFailedCustomersReasons() {
        midRelease();
        assertThat(board().lines(true)).containsExactly(
                // median of 30s and 40s is 35s: nothing left in early, its bake 2m, then rest's 2 customers in one round of 2
                "  fleet web  2 of 5 customers done, 1 failed (budget 1 of 1), about 2m 35s left",
                "    w1  internal  waiting   0  deploying   0  done   1  failed   0  done",
                "    w2  early     waiting   0  deploying   0  done   1  failed   1  deploying, then bake 2m",
                "        web.c03 failed: smoke test home: 500 Internal Server Error",
                "    w3  rest      waiting   2  deploying   0  done   0  failed   0  not started");
    }

    @Test
    void beforeAnyCustomerIsDoneTheTimeLeftIsNotGuessedAndAGateSaysItWaits() {
        at(0, wave(0, 1, WaveState.GATED, "internal"));
        assertThat(board().lines(true)).containsExactly(
                "  fleet web  0 of 5 customers done, 0 failed (budget 0 of 1), time left known once a customer is done",
                "    w1  internal  waiting   1  deploying   0  done   0  failed   0  waits for glidepath promote (manual gate)",
                "    w2  early     waiting   2  deploying   0  done   0  failed   0  not started, then bake 2m",
                "    w3  rest      waiting   2  deploying   0  done   0  failed   0  not started");
    }

    @Test
    void aBakeUnderWayCountsWhatIsLeftOfIt() {
        at(0, wave(0, 1, WaveState.STARTED, "internal"));
        at(0, phase(0, "web.c01", Phase.STARTING));
        at(20, phase(20, "web.c01", Phase.DONE));
        at(20, wave(20, 1, WaveState.BAKING, "internal"));
        at(50, phase(50, "edge", Phase.PENDING)); // any later event moves the board's clock
        // 30s of the 1m bake left, early: 2 rounds of 20s (one at a time) and its 2m bake, rest: one round of 20s
        assertThat(board().timeLeft("web")).contains(Duration.ofSeconds(30 + 40 + 120 + 20));
    }

    @Test
    void theStatusBlockHasOneLinePerRingAndTheServicesOwnLines() {
        midRelease();
        at(150, phase(150, "edge", Phase.PENDING));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Progress p = new Progress(new Terminal(new PrintStream(out, true, StandardCharsets.UTF_8), false), "web-v2", spec, Duration.ofSeconds(1));
        events.forEach(p::event);
        List<String> block = p.block();
        assertThat(block.get(0)).startsWith("release web-v2  wave 2 of 4, ring early");
        assertThat(block.subList(1, block.size())).hasSize(6);
        assertThat(block.get(1)).startsWith("  fleet web  2 of 5 customers done");
        assertThat(block.get(6)).startsWith("  w4  edge ").contains("waiting");
        assertThat(block).noneMatch(l -> l.contains("web.c02"));
        // without a terminal each event is a plain line, customers' too
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("web.c03   customer failed customer c03 (ring early) failed");
    }

    @Test
    void aStoppedReleaseIsAFailure() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Progress p = new Progress(new Terminal(new PrintStream(out, true, StandardCharsets.UTF_8), true), "web-v2", spec, Duration.ofSeconds(1));
        JsonNode stopped = EventJson.MAPPER.valueToTree(new ReleaseEvent.Finished(t(200), null, "release web-v2 stopped", Outcome.STOPPED,
                "fleet web: failure budget 2 of 1 exceeded", RollbackCause.RELEASE));
        p.event(stopped);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("\033[31mdone\033[0m release web-v2 stopped").contains("  stopped  ");
        var followed = new ReleaseFollower.Followed(List.of(stopped), stopped);
        assertThat(followed.outcome()).isEqualTo("STOPPED");
        assertThat(followed.succeeded()).isFalse();
    }

    @Test
    void theSummaryInJsonHasEachRingsCountsAndEveryFailedCustomer() {
        midRelease();
        JsonNode json = board().json().get(0);
        assertThat(json.path("service").asText()).isEqualTo("web");
        assertThat(json.at("/failureBudget/failed").asInt()).isEqualTo(1);
        assertThat(json.at("/failureBudget/exceeded").asBoolean()).isFalse();
        assertThat(json.at("/rings/1/name").asText()).isEqualTo("early");
        assertThat(json.at("/rings/1/done").asInt()).isEqualTo(1);
        assertThat(json.at("/rings/1/failed").asInt()).isEqualTo(1);
        assertThat(json.at("/rings/2/state").asText()).isEqualTo("NOT_STARTED");
        assertThat(json.at("/failed/0/customer").asText()).isEqualTo("c03");
        assertThat(json.at("/failed/0/reason").asText()).isEqualTo("smoke test home: 500 Internal Server Error");
    }
}
