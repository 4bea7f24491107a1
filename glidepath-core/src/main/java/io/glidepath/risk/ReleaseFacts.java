package io.glidepath.risk;

import io.glidepath.journal.Outcome;
import io.glidepath.journal.ReleaseEvent;
import io.glidepath.journal.RollbackCause;
import io.glidepath.journal.StoredEvent;
import io.glidepath.spec.InvalidSpecException;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.store.ReleaseRecord;
import java.time.Instant;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What risk reads of one release, from the store or proposed now: when it was submitted and ended,
 * how, why it rolled back ({@code cause}: the journal's), its services, whether it migrates a
 * database, and {@code rollbacks}: each service that caused a rollback itself (not one asked of it by
 * an abort or by its release), with the cause.
 */
public record ReleaseFacts(String id, Instant submitted, Optional<Instant> finished, Optional<Outcome> outcome, Optional<RollbackCause> cause,
                           List<ServiceFacts> services, boolean migrates, Map<String, RollbackCause> rollbacks) {

    /**
     * Ends that say nothing about the change itself, so the release is not learned from: someone
     * aborted it or the server was stopping, a restarted server could not go on, a bug, or the policy
     * stopped it before anything started.
     */
    static final Set<RollbackCause> NOT_THE_CHANGE = EnumSet.of(RollbackCause.ABORTED, RollbackCause.SERVER_RESTARTED, RollbackCause.INTERNAL,
            RollbackCause.POLICY);

    public ReleaseFacts {
        services = List.copyOf(services);
        rollbacks = Map.copyOf(rollbacks);
    }

    /** A release proposed now, not submitted yet. */
    public static ReleaseFacts proposed(String id, ReleaseSpec spec, Instant now) {
        return new ReleaseFacts(id, now, Optional.empty(), Optional.empty(), Optional.empty(), spec.services().stream().map(ServiceFacts::of).toList(),
                !spec.databases().isEmpty(), Map.of());
    }

    /** A stored release and its journal. A file that no longer reads leaves only its services' names. */
    public static ReleaseFacts read(ReleaseRecord r, List<StoredEvent> journal) {
        List<ServiceFacts> services;
        boolean migrates;
        try {
            ReleaseSpec spec = r.spec();
            services = spec.services().stream().map(ServiceFacts::of).toList();
            migrates = !spec.databases().isEmpty();
        } catch (InvalidSpecException | RuntimeException e) {
            services = r.services().stream().map(ServiceFacts::named).toList();
            migrates = false;
        }
        Map<String, RollbackCause> rollbacks = new LinkedHashMap<>();
        RollbackCause cause = null;
        for (StoredEvent e : journal) {
            switch (e.event()) {
                case ReleaseEvent.RollbackDecided d when d.service() != null && d.cause() != null && !d.cause().askedFromOutside()
                        && !NOT_THE_CHANGE.contains(d.cause()) -> rollbacks.putIfAbsent(ServiceFacts.named(d.service()).service(), d.cause());
                case ReleaseEvent.Finished f -> cause = f.cause();
                default -> {
                    // nothing else tells how risky the change was
                }
            }
        }
        return new ReleaseFacts(r.id(), r.submitted(), r.finished(), r.outcome(), Optional.ofNullable(cause), services, migrates, rollbacks);
    }

    /**
     * What the release teaches: true when the change failed (rolled back, failed, or stopped a fleet),
     * false when it was promoted; empty while it runs, when nothing was deployed (cancelled,
     * unchanged), and when it ended for a reason that is not the change's ({@link #NOT_THE_CHANGE}).
     */
    public Optional<Boolean> failed() {
        if (outcome.isEmpty()) {
            return Optional.empty();
        }
        return switch (outcome.get()) {
            case PROMOTED -> Optional.of(false);
            case ROLLED_BACK, FAILED, STOPPED -> cause.filter(NOT_THE_CHANGE::contains).isPresent() ? Optional.empty() : Optional.of(true);
            case UNCHANGED, CANCELLED -> Optional.empty();
        };
    }

    /** It changed something: it ran and was not cancelled or a no-op. */
    boolean deployed() {
        return outcome.map(o -> o != Outcome.CANCELLED && o != Outcome.UNCHANGED).orElse(true);
    }

    /** Ended, and how, by {@code t}. */
    boolean endedBy(Instant t) {
        return finished.isPresent() && !finished.get().isAfter(t) && outcome.isPresent();
    }

    boolean runningAt(Instant t) {
        return submitted.isBefore(t) && (finished.isEmpty() || finished.get().isAfter(t));
    }

    /** Its services by name (a fleet's customers as their service), in the file's order. */
    Set<String> serviceNames() {
        Set<String> out = new LinkedHashSet<>();
        services.forEach(s -> out.add(s.service()));
        return out;
    }

    List<ServiceFacts> deploymentsOf(String service) {
        return services.stream().filter(s -> s.service().equals(service)).toList();
    }
}
