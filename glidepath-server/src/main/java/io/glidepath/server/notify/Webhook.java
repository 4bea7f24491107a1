package io.glidepath.server.notify;

import java.net.URI;
import java.util.Set;

/**
 * One configured receiver: where to post, the key that signs, which events it wants and of which
 * services (empty: every service). Its URL is never logged whole (Slack's carry a secret), only
 * its host.
 */
public record Webhook(String name, URI url, SigningKey key, Set<WebhookEvent> events, Set<String> services) {
    public Webhook {
        events = Set.copyOf(events);
        services = Set.copyOf(services);
    }

    /** True when this webhook is told {@code n}: one of its events, about one of its services or a release touching one. */
    public boolean wants(Notification n) {
        if (!events.contains(n.event())) {
            return false;
        }
        if (services.isEmpty()) {
            return true;
        }
        return n.service() != null ? services.contains(n.service()) : n.releaseServices().stream().anyMatch(services::contains);
    }

    /** The host and port it posts to, for logs. */
    public String where() {
        return url.getScheme() + "://" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort());
    }

    @Override
    public String toString() {
        return "Webhook[" + name + " -> " + where() + ", events " + events + ", services " + (services.isEmpty() ? "all" : services) + "]";
    }
}
