package io.glidepath.server.notify;

import io.glidepath.journal.ApprovalState;
import io.glidepath.journal.Outcome;
import io.glidepath.journal.ReleaseEvent;
import io.glidepath.journal.ReleaseHistory;
import io.glidepath.journal.RollbackCause;
import io.glidepath.journal.StoredEvent;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns journaled events into notifications. Release level (service null): {@code started} when
 * the release starts (a queued one when it leaves the queue), {@code awaitingApproval} when a policy makes it wait for
 * someone else's approval, {@code approval} when it is approved (outcome APPROVED, reason the approver's) or the wait
 * times out (outcome TIMED_OUT), {@code promoted} when it ends PROMOTED
 * or UNCHANGED (outcome tells which), {@code rolledBack} and {@code failed} when it ends so, with the
 * reason; a CANCELLED release never started, so it is not announced. Service level:
 * {@code started} when its deployment starts, {@code step} when the split users see changes (stable
 * version, canary version or canary weight; not the preview route for smoke tests), {@code promoted}
 * when it becomes stable, {@code failed} when it fails by itself (not when aborted or flipped back
 * because of another service), {@code rolledBack} once it is back on its previous version and its
 * new instances are stopped. Every other event is not announced.
 *
 * <p>It keeps, per running release, the release's journal as folded so far ({@link ReleaseHistory},
 * the one reading of a journal): its services, each service's version, split and rollback reason
 * (later events do not carry them); forgotten when the release ends. A service's first route of a
 * release is the baseline: the engine's fixed sequence puts the new version on the preview track for
 * smoke tests before users' traffic moves, and that route leaves users' split as it was. A step is
 * announced when a later route changes the split. Called on the engine's threads, possibly at once
 * for services of one release: cheap, and each release's fold under its own lock.
 */
final class NotificationMapper {
    private final Map<String, ReleaseHistory> releases = new ConcurrentHashMap<>();

    Optional<Notification> map(StoredEvent stored) {
        ReleaseHistory h = stored.event() instanceof ReleaseEvent.Finished ? releases.remove(stored.releaseId()) : history(stored.releaseId());
        if (h == null) {
            h = new ReleaseHistory();
        }
        synchronized (h) {
            Optional<ReleaseHistory.Split> splitBefore = stored.event().service() == null ? Optional.empty() : h.service(stored.event().service()).split();
            h.apply(stored);
            return map(stored, h, splitBefore);
        }
    }

    private Optional<Notification> map(StoredEvent stored, ReleaseHistory h, Optional<ReleaseHistory.Split> splitBefore) {
        String id = stored.releaseId();
        return switch (stored.event()) {
            case ReleaseEvent.Submitted s -> Optional.of(ofRelease(stored, h, WebhookEvent.STARTED, capitalized(s.message())));
            // people are asked to act: announced like a release's start (a restarted server's "still waiting" note is not)
            case ReleaseEvent.ApprovalChanged a -> switch (a.state()) {
                case WAITING -> Optional.of(ofRelease(stored, h, WebhookEvent.AWAITING_APPROVAL, capitalized(a.message())));
                case APPROVED, TIMED_OUT -> Optional.of(new Notification(WebhookEvent.APPROVAL, id, null, null, a.state().name(),
                        a.state() == ApprovalState.APPROVED ? a.reason() : a.message(), a.at(), stored.seq(), "Release " + id + ": " + a.message(),
                        null, h.services(), null, null));
            };
            case ReleaseEvent.PhaseChanged p -> switch (p.phase()) {
                case STARTING -> Optional.of(ofService(stored, h, WebhookEvent.STARTED, p.version(), null, null, "deploying " + p.version(), null));
                case PROMOTED -> Optional.of(ofService(stored, h, WebhookEvent.PROMOTED, p.version(), Outcome.PROMOTED.name(), null,
                        p.version() + " promoted to stable", null));
                case ROLLED_BACK -> {
                    String reason = h.service(p.service()).rollback().or(h::releaseRollback).map(ReleaseHistory.Rollback::reason).orElse(null);
                    yield Optional.of(ofService(stored, h, WebhookEvent.ROLLED_BACK, p.version(), Outcome.ROLLED_BACK.name(), reason,
                            p.version() + " rolled back" + (reason == null ? "" : ": " + reason), null));
                }
                default -> Optional.empty();
            };
            case ReleaseEvent.TrafficChanged t -> {
                ReleaseHistory.Split split = h.service(t.service()).split().orElseThrow();
                yield splitBefore.isEmpty() || splitBefore.get().equals(split) ? Optional.empty() : Optional.of(ofService(stored, h, WebhookEvent.STEP,
                        h.service(t.service()).version().orElse(null), null, null, t.message(),
                        new Notification.Traffic(t.stableVersion(), t.canaryVersion(), t.canaryWeight() / 100.0)));
            }
            case ReleaseEvent.RollbackDecided r when r.service() != null && (r.cause() == null || !r.cause().askedFromOutside()) -> {
                ReleaseHistory.Service s = h.service(r.service());
                String version = s.version().orElse(null);
                Notification.Evidence evidence = r.cause() == RollbackCause.ANALYSIS ? s.lastEvidence().map(e -> new Notification.Evidence(e[0], e[1]))
                        .orElse(null) : null;
                yield Optional.of(ofService(stored, h, WebhookEvent.FAILED, version, null, r.reason(),
                        (version == null ? "" : version + " ") + "failed: " + r.reason() + "; rolling back", null)
                        .with(r.cause() == null ? null : r.cause().name(), evidence));
            }
            case ReleaseEvent.Finished f -> {
                WebhookEvent event = switch (f.outcome()) {
                    case PROMOTED, UNCHANGED -> WebhookEvent.PROMOTED;
                    case ROLLED_BACK -> WebhookEvent.ROLLED_BACK;
                    case FAILED -> WebhookEvent.FAILED;
                    case STOPPED -> WebhookEvent.STOPPED;
                    case CANCELLED -> null;
                };
                yield event == null ? Optional.empty() : Optional.of(new Notification(event, id, null, null, f.outcome().name(), f.reason(),
                        f.at(), stored.seq(), capitalized(f.message()), null, h.services(), f.cause() == null ? null : f.cause().name(), null));
            }
            default -> Optional.empty();
        };
    }

    /** The release's fold so far (a release seen without its start, as in tests of single events: what is known is nothing). */
    private ReleaseHistory history(String releaseId) {
        return releases.computeIfAbsent(releaseId, k -> new ReleaseHistory());
    }

    private static Notification ofRelease(StoredEvent stored, ReleaseHistory h, WebhookEvent event, String text) {
        return new Notification(event, stored.releaseId(), null, null, null, null, stored.event().at(), stored.seq(), text, null, h.services(), null,
                null);
    }

    /** Service events read "Release R, catalog: ..." so a channel with several services and releases stays clear. */
    private static Notification ofService(StoredEvent stored, ReleaseHistory h, WebhookEvent event, String version, String outcome, String reason,
                                          String sentence, Notification.Traffic traffic) {
        ReleaseEvent e = stored.event();
        return new Notification(event, stored.releaseId(), e.service(), version, outcome, reason, e.at(), stored.seq(),
                "Release " + stored.releaseId() + ", " + e.service() + ": " + sentence, traffic, h.services(), null, null);
    }

    private static String capitalized(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
