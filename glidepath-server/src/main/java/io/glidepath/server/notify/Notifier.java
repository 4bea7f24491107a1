package io.glidepath.server.notify;

import io.glidepath.journal.StoredEvent;
import java.net.http.HttpClient;
import io.glidepath.time.Backoff;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Webhook notifications: follows every release's journal (through {@code Engine.followAll}), turns
 * what users care about into notifications ({@link NotificationMapper}) and queues each for the
 * webhooks that want it. Never blocks the deploy: {@link #accept} maps and queues, and a webhook whose
 * queue is full loses the notification (a warning says which). Each webhook is posted to in order by
 * its own {@link WebhookSender}, signed with its key, retried with back-off.
 */
public final class Notifier implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Notifier.class);
    /** {@code sha256=<hex HMAC-SHA256 of the raw body with the webhook's key>}. */
    public static final String SIGNATURE_HEADER = "X-Glidepath-Signature-256";
    /** The event's name: started, step, promoted, rolledBack, failed. */
    public static final String EVENT_HEADER = "X-Glidepath-Event";
    /** A UUID per delivery, the same on every retry of it (receivers can drop repeats). */
    public static final String DELIVERY_HEADER = "X-Glidepath-Delivery";

    /**
     * How deliveries go: queued notifications per webhook; the connect and request timeout; the
     * waits between attempts (their count is the number of retries); how long closing may take to
     * flush the queues.
     */
    public record Settings(int queueCapacity, Duration timeout, Backoff backoff, Duration closeWithin) {
        /** Retries after 1 s, 2 s, 4 s, 8 s and 16 s. */
        public static final Settings DEFAULTS = new Settings(1000, Duration.ofSeconds(5), new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(16), 5),
                Duration.ofSeconds(5));

        public Settings {
            if (queueCapacity < 1) {
                throw new IllegalArgumentException("queueCapacity must be at least 1");
            }
        }
    }

    private final NotificationMapper mapper = new NotificationMapper();
    private final List<WebhookSender> senders;
    private final HttpClient http;
    private final Settings settings;
    private volatile boolean closed;

    /** With no webhook it does nothing and starts no thread. */
    public Notifier(List<Webhook> webhooks, Settings settings) {
        this.settings = settings;
        this.http = webhooks.isEmpty() ? null : HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(settings.timeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.senders = webhooks.stream().map(w -> new WebhookSender(w, http, settings)).toList();
        for (Webhook w : webhooks) {
            log.info("webhook {} -> {} (events: {}; services: {})", w.name(), w.where(),
                    w.events().size() == WebhookEvent.values().length ? "all" : w.events().stream().sorted().map(WebhookEvent::wireName).toList(),
                    w.services().isEmpty() ? "all" : w.services().stream().sorted().toList());
        }
    }

    /** Takes one journaled event, on the thread that journaled it; returns at once. */
    public void accept(StoredEvent event) {
        if (senders.isEmpty() || closed) {
            return;
        }
        Optional<Notification> n = mapper.map(event);
        if (n.isEmpty()) {
            return;
        }
        for (WebhookSender s : senders) {
            if (s.webhook().wants(n.get()) && !s.offer(n.get())) {
                log.warn("webhook {}: {} notifications wait already (its receiver is slow or down); dropped {} of release {}",
                        s.webhook().name(), settings.queueCapacity(), n.get().event().wireName(), n.get().release());
            }
        }
    }

    /** Stops taking events and delivers what is queued, for up to {@code closeWithin}; the rest is dropped (a warning says how many). */
    @Override
    public void close() {
        closed = true;
        senders.forEach(WebhookSender::stop);
        Instant deadline = Instant.now().plus(settings.closeWithin());
        try {
            for (WebhookSender s : senders) {
                s.awaitStopped(deadline);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (http != null) {
                http.shutdownNow();
            }
        }
    }
}
