package io.glidepath.server.notify;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/** What a webhook can be told, by the name used in webhooks files, payloads and the event header. */
public enum WebhookEvent {
    /** A release started; a service's deployment started. */
    STARTED("started"),
    /** A service's route changed: a canary weight, a switch, a promotion to stable, traffic put back. */
    STEP("step"),
    /** A service was promoted; a release ended PROMOTED (or UNCHANGED: nothing to do). */
    PROMOTED("promoted"),
    /** A service was rolled back; a release ended ROLLED_BACK. */
    ROLLED_BACK("rolledBack"),
    /** A service failed (it rolls back next); a release ended FAILED. */
    FAILED("failed"),
    /** A release ended STOPPED: a fleet's failure budget was exceeded and the customers updated keep the new version. */
    STOPPED("stopped"),
    /** A release waits for someone else's approval (a policy's rule): who may approve, and until when. */
    AWAITING_APPROVAL("awaitingApproval"),
    /** A waiting release was approved (by whom, why), or nobody approved it in time (it ends CANCELLED). */
    APPROVAL("approval");

    private static final Map<String, WebhookEvent> BY_NAME = Arrays.stream(values()).collect(Collectors.toMap(WebhookEvent::wireName, Function.identity()));

    private final String wireName;

    WebhookEvent(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static Optional<WebhookEvent> byName(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }

    /** The names, in lifecycle order, for messages. */
    public static java.util.List<String> names() {
        return Arrays.stream(values()).map(WebhookEvent::wireName).toList();
    }
}
