package io.glidepath.server.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.glidepath.api.JsonApi;
import io.glidepath.engine.Engine;
import io.glidepath.journal.EventJson;
import io.glidepath.journal.ReleaseHistory;
import io.glidepath.store.Store;
import io.glidepath.spec.InvalidSpecException;
import io.glidepath.spec.ReleaseReader;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.spec.ServiceSpec;
import io.glidepath.store.ReleaseRecord;
import io.glidepath.journal.StoredEvent;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Releases and their journal events as the API writes them. */
final class ReleaseJson {
    private final Engine engine;
    private final Store store;

    /** What a release changes, by service: version and strategy, read back from its file once and remembered (the last 2,000). */
    private final Map<String, List<ServiceSpec>> changes = Collections.synchronizedMap(new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, List<ServiceSpec>> eldest) {
            return size() > 2000;
        }
    });

    ReleaseJson(Engine engine, Store store) {
        this.engine = engine;
        this.store = store;
    }

    /** A release record: id, file, services, what it changes, who and when, its state (RUNNING until it ends). */
    ObjectNode release(ReleaseRecord r) {
        ObjectNode n = JsonApi.object();
        n.put("id", r.id());
        n.put("file", r.file());
        ArrayNode s = n.putArray("services");
        r.services().forEach(s::add);
        ArrayNode c = n.putArray("changes");
        changes(r).forEach(spec -> c.addObject().put("service", spec.name()).put("version", spec.version()).put("strategy", spec.strategy().id()));
        n.put("submittedBy", r.submittedBy());
        n.put("submitted", r.submitted().toString());
        n.put("state", r.outcome().map(Enum::name).orElse("RUNNING"));
        r.reason().ifPresent(x -> n.put("reason", x));
        r.finished().ifPresent(f -> n.put("finished", f.toString()).put("seconds", Duration.between(r.submitted(), f).toMillis() / 1000.0));
        return n;
    }

    /**
     * A queued release's state is QUEUED, with the release it waits for; one waiting for approval is
     * AWAITING_APPROVAL, with {@code approvalDeadline}.
     */
    ObjectNode withQueue(ObjectNode release) {
        String id = release.path("id").asText();
        if (engine.isQueued(id)) {
            release.put("state", "QUEUED");
            engine.queuedBehind(id).ifPresent(h -> release.put("queuedBehind", h));
        }
        engine.awaitingApproval(id).ifPresent(d -> release.put("state", "AWAITING_APPROVAL").put("approvalDeadline", d.toString()));
        return release;
    }

    /** An event as journaled ({@code kind} first, then its fields) with its number, {@code seq}. */
    static ObjectNode event(StoredEvent e) {
        ObjectNode n = EventJson.MAPPER.valueToTree(e.event());
        n.put("seq", e.seq());
        return n;
    }

    private List<ServiceSpec> changes(ReleaseRecord r) {
        List<ServiceSpec> known = changes.get(r.id());
        if (known != null) {
            return known;
        }
        ReleaseSpec spec;
        try {
            spec = r.spec();
        } catch (InvalidSpecException | RuntimeException e) {
            // a file accepted by an older version: the list of services still says what it touched
            changes.put(r.id(), List.of());
            return List.of();
        }
        try {
            // strategy: auto shows as what it became (journaled at submission)
            List<ServiceSpec> out = spec.withChosenStrategies(ReleaseHistory.of(store.events(r.id(), 0)).chosenStrategies()).services();
            changes.put(r.id(), out);
            return out;
        } catch (IllegalArgumentException e) {
            return spec.services(); // asked for the moment before its choices are journaled: as the file says, not remembered
        }
    }
}
