package io.glidepath.risk;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.store.ReleaseRecord;
import io.glidepath.store.ServiceRecord;
import io.glidepath.store.Store;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Scores a release against the store's own history (docs/risk.md): reads the last {@link #HISTORY}
 * releases and their journals (an ended release is read once and remembered: its facts never change),
 * fits the model on those that teach something ({@link RiskModel#fit}; again only when one more has
 * ended), and says how risky the release is, why, and what strategy fits. The server asks it for
 * {@code glidepath plan}, for each submission (approval rules on risk, {@code strategy: auto}).
 */
public final class RiskScorer {
    /** How many of the latest releases the model learns from. */
    public static final int HISTORY = 1000;

    private final Store store;
    private final Map<String, ReleaseFacts> ended = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ReleaseFacts> eldest) {
            return size() > 2 * HISTORY;
        }
    };
    private String fittedOn = "";
    private RiskModel model = RiskModel.prior();

    public RiskScorer(Store store) {
        this.store = store;
    }

    /** A release's risk and the advice for it. */
    public record Scored(RiskAssessment risk, Advice advice) {
        /** What the journal keeps of it: level, chance, headline, the three largest factors, the advice. */
        public io.glidepath.journal.ReleaseEvent.RiskAssessed event(java.time.Instant at) {
            return new io.glidepath.journal.ReleaseEvent.RiskAssessed(at, null, "risk at submission: " + risk.headline(), risk.level().label(),
                    risk.probability(), risk.headline(), risk.top(3).stream().map(RiskAssessment.Contribution::sentence).toList(), advice.summary());
        }

        /** The risk's JSON with the advice in it ({@code advice}). */
        public ObjectNode json() {
            ObjectNode n = risk.json();
            n.set("advice", advice.json());
            return n;
        }
    }

    /** How risky {@code spec} is if it is submitted {@code now}, with hours and days read in {@code zone}. */
    public synchronized Scored assess(ReleaseSpec spec, Instant now, ZoneId zone) {
        History history = new History(read());
        Set<String> running = store.services().stream().map(ServiceRecord::name).collect(Collectors.toSet());
        return score(history, fitted(history, zone), spec, now, zone, running);
    }

    /**
     * Scores {@code spec} against {@code history} with {@code model} (fitted on it, or the prior), knowing
     * which services run now ({@code running}; the others are first releases). What the server answers,
     * without a store.
     */
    public static Scored score(History history, RiskModel model, ReleaseSpec spec, Instant now, ZoneId zone, Set<String> running) {
        ReleaseFacts proposed = ReleaseFacts.proposed("(this release)", spec, now);
        RiskAssessment a = RiskAssessment.of(model, history.observe(proposed, zone), zone, now);
        return new Scored(a, Advice.of(a, spec, history, running));
    }

    private List<ReleaseFacts> read() {
        List<ReleaseFacts> out = new ArrayList<>();
        for (ReleaseRecord r : store.releases(HISTORY)) {
            ReleaseFacts f = ended.get(r.id());
            if (f == null) {
                f = ReleaseFacts.read(r, store.events(r.id(), 0));
                if (r.isFinished()) {
                    ended.put(r.id(), f);
                }
            }
            out.add(f);
        }
        return out;
    }

    /** The model fitted on the history's lessons; fitted again only when they changed. */
    private RiskModel fitted(History history, ZoneId zone) {
        List<ReleaseFacts> teaching = history.releases().stream().filter(r -> r.failed().isPresent()).toList();
        String key = zone.getId() + "|" + teaching.size() + "|" + (teaching.isEmpty() ? "" : teaching.get(teaching.size() - 1).id() + "|"
                + teaching.get(0).id());
        if (!key.equals(fittedOn)) {
            model = RiskModel.fit(history.examples(zone));
            fittedOn = key;
        }
        return model;
    }
}
