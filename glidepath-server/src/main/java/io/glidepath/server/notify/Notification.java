package io.glidepath.server.notify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.glidepath.journal.EventJson;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Something a webhook may be told, taken from one journaled event. {@code service} is null for the
 * release as a whole; {@code releaseServices} (every service the release touches) is for the
 * services filter. {@code traffic} only for {@link WebhookEvent#STEP}. {@code cause} (a rollback's,
 * typed) and {@code evidence} (a sequential judge's, when the analysis failed the service) may be null.
 */
public record Notification(WebhookEvent event, String release, String service, String version, String outcome, String reason,
                           Instant at, long seq, String text, Traffic traffic, List<String> releaseServices, String cause, Evidence evidence) {

    public Notification {
        releaseServices = releaseServices == null ? List.of() : List.copyOf(releaseServices);
    }

    /** A sequential judge's evidence against the version when it failed, and what it had to reach. */
    public record Evidence(double value, double needed) {
    }

    /** This notification with a rollback's typed cause and the analysis's evidence (either may be null). */
    Notification with(String cause, Evidence evidence) {
        return new Notification(event, release, service, version, outcome, reason, at, seq, text, traffic, releaseServices, cause, evidence);
    }

    /** The route a step left: stable and canary versions (null when none) and the canary's share in percent. */
    public record Traffic(String stableVersion, String canaryVersion, double canaryPercent) {
    }

    /** The JSON body of one delivery (docs/server.md lists its fields). */
    public byte[] body(UUID deliveryId) {
        ObjectNode n = EventJson.MAPPER.createObjectNode();
        n.put("text", slackEscaped(text));
        n.put("event", event.wireName());
        n.put("release", release);
        n.put("service", service);
        n.put("version", version);
        n.put("outcome", outcome);
        n.put("reason", reason);
        n.put("at", at.toString());
        n.put("seq", seq);
        n.put("deliveryId", deliveryId.toString());
        if (cause != null) {
            n.put("cause", cause);
        }
        if (evidence != null) {
            n.putObject("evidence").put("value", evidence.value()).put("needed", evidence.needed());
        }
        if (traffic != null) {
            ObjectNode t = n.putObject("traffic");
            t.put("stableVersion", traffic.stableVersion());
            t.put("canaryVersion", traffic.canaryVersion());
            t.put("canaryPercent", traffic.canaryPercent());
        }
        try {
            return EventJson.MAPPER.writeValueAsString(n).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a notification that cannot be written as JSON", e);
        }
    }

    /** Slack reads {@code &}, {@code <} and {@code >} in text as markup; it asks for these three escaped. */
    static String slackEscaped(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
