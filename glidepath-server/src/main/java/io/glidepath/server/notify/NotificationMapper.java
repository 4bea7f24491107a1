package io.glidepath.server.notify;

import io.glidepath.engine.Engine;
import io.glidepath.engine.Outcome;
import io.glidepath.engine.ReleaseEvent;
import io.glidepath.store.StoredEvent;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns journaled events into notifications. Release level (service null): {@code started} when
 * the release starts (a queued one when it leaves the queue), {@code promoted} when it ends PROMOTED
 * or UNCHANGED (outcome tells which), {@code rolledBack} and {@code failed} when it ends so, with the
 * reason; a CANCELLED release never started, so it is not announced. Service level:
 * {@code started} when its deployment starts, {@code step} when the split users see changes (stable
 * version, canary version or canary weight; not the preview route for smoke tests), {@code promoted}
 * when it becomes stable, {@code failed} when it fails by itself (not when aborted or flipped back
 * because of another service), {@code rolledBack} once it is back on its previous version and its
 * new instances are stopped. Every other event is not announced.
 *
 * <p>It remembers, per running release, its services, each service's version, route and rollback
 * reason (later events do not carry them); forgotten when the release ends. A service's first route
 * of a release is the baseline: the engine's fixed sequence puts the new version on the preview
 * track for smoke tests before users' traffic moves, and that route leaves users' split as it was.
 * A step is announced when a later route changes the split. Called on the
 * engine's threads, possibly at once for services of one release: cheap, and no blocking.
 */
final class NotificationMapper {
    private final Map<String, ReleaseState> releases = new ConcurrentHashMap<>();

    private static final class ReleaseState {
        final List<String> services;
        final Map<String, String> versions = new ConcurrentHashMap<>();
        final Map<String, String> rollbackReasons = new ConcurrentHashMap<>();
        final Map<String, Split> splits = new ConcurrentHashMap<>();
        volatile String releaseRollbackReason;

        ReleaseState(List<String> services) {
            this.services = List.copyOf(services);
        }
    }

    /** What users' traffic sees of a service's route. */
    private record Split(String stableVersion, String canaryVersion, int canaryWeight) {
    }

    Optional<Notification> map(StoredEvent stored) {
        String id = stored.releaseId();
        return switch (stored.event()) {
            case ReleaseEvent.Submitted s -> {
                releases.put(id, new ReleaseState(s.services()));
                yield Optional.of(ofRelease(stored, WebhookEvent.STARTED, null, null, capitalized(s.message())));
            }
            case ReleaseEvent.PhaseChanged p -> {
                ReleaseState st = state(id);
                st.versions.put(p.service(), p.version());
                yield switch (p.phase()) {
                    case STARTING -> Optional.of(ofService(stored, WebhookEvent.STARTED, p.version(), null, null,
                            "deploying " + p.version(), null));
                    case PROMOTED -> Optional.of(ofService(stored, WebhookEvent.PROMOTED, p.version(), Outcome.PROMOTED.name(), null,
                            p.version() + " promoted to stable", null));
                    case ROLLED_BACK -> {
                        String reason = Optional.ofNullable(st.rollbackReasons.get(p.service())).orElse(st.releaseRollbackReason);
                        yield Optional.of(ofService(stored, WebhookEvent.ROLLED_BACK, p.version(), Outcome.ROLLED_BACK.name(), reason,
                                p.version() + " rolled back" + (reason == null ? "" : ": " + reason), null));
                    }
                    default -> Optional.empty();
                };
            }
            case ReleaseEvent.TrafficChanged t -> {
                ReleaseState st = state(id);
                Split split = new Split(t.stableVersion(), t.canaryVersion(), t.canaryWeight());
                Split before = st.splits.put(t.service(), split);
                yield before == null || before.equals(split) ? Optional.empty() : Optional.of(ofService(stored, WebhookEvent.STEP,
                        st.versions.get(t.service()), null, null, t.message(),
                        new Notification.Traffic(t.stableVersion(), t.canaryVersion(), t.canaryWeight() / 100.0)));
            }
            case ReleaseEvent.RollbackDecided r -> {
                ReleaseState st = state(id);
                if (r.service() == null) {
                    st.releaseRollbackReason = r.reason();
                    yield Optional.empty();
                }
                st.rollbackReasons.put(r.service(), r.reason());
                if (Engine.askedFromOutside(r.reason())) {
                    yield Optional.empty();
                }
                String version = st.versions.get(r.service());
                yield Optional.of(ofService(stored, WebhookEvent.FAILED, version, null, r.reason(),
                        (version == null ? "" : version + " ") + "failed: " + r.reason() + "; rolling back", null));
            }
            case ReleaseEvent.Finished f -> {
                ReleaseState st = releases.remove(id);
                WebhookEvent event = switch (f.outcome()) {
                    case PROMOTED, UNCHANGED -> WebhookEvent.PROMOTED;
                    case ROLLED_BACK -> WebhookEvent.ROLLED_BACK;
                    case FAILED -> WebhookEvent.FAILED;
                    case CANCELLED -> null;
                };
                yield event == null ? Optional.empty() : Optional.of(new Notification(event, id, null, null, f.outcome().name(), f.reason(),
                        f.at(), stored.seq(), capitalized(f.message()), null, st == null ? List.of() : st.services));
            }
            default -> Optional.empty();
        };
    }

    /** A release seen without its start (only in tests of single events): what is known is nothing. */
    private ReleaseState state(String releaseId) {
        return releases.computeIfAbsent(releaseId, k -> new ReleaseState(List.of()));
    }

    private Notification ofRelease(StoredEvent stored, WebhookEvent event, String outcome, String reason, String text) {
        ReleaseEvent e = stored.event();
        return new Notification(event, stored.releaseId(), null, null, outcome, reason, e.at(), stored.seq(), text, null,
                state(stored.releaseId()).services);
    }

    /** Service events read "Release R, catalog: ..." so a channel with several services and releases stays clear. */
    private Notification ofService(StoredEvent stored, WebhookEvent event, String version, String outcome, String reason, String sentence,
                                   Notification.Traffic traffic) {
        ReleaseEvent e = stored.event();
        return new Notification(event, stored.releaseId(), e.service(), version, outcome, reason, e.at(), stored.seq(),
                "Release " + stored.releaseId() + ", " + e.service() + ": " + sentence, traffic, state(stored.releaseId()).services);
    }

    private static String capitalized(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
