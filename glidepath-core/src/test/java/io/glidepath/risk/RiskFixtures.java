package io.glidepath.risk;

import io.glidepath.journal.Outcome;
import io.glidepath.journal.ReleaseEvent;
import io.glidepath.journal.RollbackCause;
import io.glidepath.journal.StoredEvent;
import io.glidepath.spec.ReleaseReader;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.store.ReleaseRecord;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Releases as the store keeps them (a file and a journal), for the risk tests. */
final class RiskFixtures {
    static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    private RiskFixtures() {
    }

    static Instant berlin(String localDateTime) {
        return ZonedDateTime.of(java.time.LocalDateTime.parse(localDateTime), BERLIN).toInstant();
    }

    /** A service of a release file: {@code extra} lines go under its run (env, replicas) or beside it. */
    static String service(String name, String version, String run, String extra) {
        return """
                  - name: %s
                    version: "%s"
                    run: {command: [java, -jar, build/%s-%s.jar]%s}
                    route: {pathPrefix: /%s}
                %s""".formatted(name, version, name, version, run.isEmpty() ? "" : ", " + run, name, extra);
    }

    static String file(String... services) {
        return "services:\n" + String.join("", services);
    }

    static ReleaseSpec spec(String source) {
        try {
            return ReleaseReader.read("r.yaml", source);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /**
     * A stored release: its file, submitted at {@code at} (Berlin time), ended 10 minutes later with
     * {@code outcome} (null: still running); each of {@code rollbacks} is "service:CAUSE", journaled as the
     * engine does.
     */
    static ReleaseFacts release(String id, String at, String source, Outcome outcome, String... rollbacks) {
        Instant t = berlin(at);
        List<String> names = spec(source).services().stream().map(s -> s.name()).toList();
        ReleaseRecord r = new ReleaseRecord(id, "r.yaml", source, "/srv", names, "alice", t, Optional.ofNullable(outcome), Optional.empty(),
                outcome == null ? Optional.empty() : Optional.of(t.plusSeconds(600)));
        List<StoredEvent> journal = new ArrayList<>();
        RollbackCause first = null;
        for (String rb : rollbacks) {
            String[] p = rb.split(":");
            RollbackCause c = RollbackCause.valueOf(p[1]);
            first = first == null ? c : first;
            journal.add(new StoredEvent(id, journal.size() + 1, new ReleaseEvent.RollbackDecided(t.plusSeconds(300), p[0], "rolling back " + p[0],
                    "it failed", c)));
        }
        if (outcome != null) {
            journal.add(new StoredEvent(id, journal.size() + 1, new ReleaseEvent.Finished(t.plusSeconds(600), null, "ended", outcome, null,
                    outcome == Outcome.PROMOTED ? null : first)));
        }
        return ReleaseFacts.read(r, journal);
    }
}
