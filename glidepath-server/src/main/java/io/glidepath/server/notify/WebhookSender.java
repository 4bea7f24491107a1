package io.glidepath.server.notify;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers one webhook's notifications, in order, on its own virtual thread: a slow or dead receiver
 * holds up only its own queue. Each delivery is retried on connection errors, timeouts, 408, 429
 * and 5xx after each back-off wait, with the same delivery id; any other answer ends it. The queue
 * is bounded: {@link #offer} refuses when it is full and never waits.
 */
final class WebhookSender {
    private static final Logger log = LoggerFactory.getLogger(WebhookSender.class);
    /** Put after the last notification by {@link #stop}: the thread ends when it reaches it. */
    private static final Object END = new Object();

    private final Webhook hook;
    private final HttpClient http;
    private final Notifier.Settings settings;
    private final Semaphore room;
    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final Thread thread;

    WebhookSender(Webhook hook, HttpClient http, Notifier.Settings settings) {
        this.hook = hook;
        this.http = http;
        this.settings = settings;
        this.room = new Semaphore(settings.queueCapacity());
        this.thread = Thread.ofVirtual().name("webhook-" + hook.name()).start(this::run);
    }

    Webhook webhook() {
        return hook;
    }

    /** Queues {@code n}; false, at once, when the queue is full. */
    boolean offer(Notification n) {
        if (!room.tryAcquire()) {
            return false;
        }
        queue.add(n);
        return true;
    }

    /** No more notifications: the thread delivers what is queued and ends. */
    void stop() {
        queue.add(END);
    }

    /** Waits until {@code deadline} for the queue to be delivered, then cuts the delivery short. */
    void awaitStopped(Instant deadline) throws InterruptedException {
        Duration left = Duration.between(Instant.now(), deadline);
        if (!left.isNegative() && thread.join(left)) {
            return;
        }
        thread.interrupt();
        thread.join(Duration.ofSeconds(1));
    }

    private void run() {
        Notification current = null;
        try {
            while (true) {
                Object next = queue.take();
                if (next == END) {
                    return;
                }
                room.release();
                current = (Notification) next;
                deliver(current);
                current = null;
            }
        } catch (InterruptedException e) {
            long left = queue.stream().filter(Notification.class::isInstance).count() + (current == null ? 0 : 1);
            if (left > 0) {
                log.warn("webhook {}: stopped with {} notification{} not delivered (the server is stopping)", hook.name(), left, left == 1 ? "" : "s");
            }
        }
    }

    /** Posts {@code n}, again after each back-off wait while the failure may pass. */
    private void deliver(Notification n) throws InterruptedException {
        UUID deliveryId = UUID.randomUUID();
        byte[] body = n.body(deliveryId);
        HttpRequest request = HttpRequest.newBuilder(hook.url())
                .timeout(settings.timeout())
                .header("Content-Type", "application/json")
                .header("User-Agent", "glidepath-webhooks")
                .header(Notifier.EVENT_HEADER, n.event().wireName())
                .header(Notifier.DELIVERY_HEADER, deliveryId.toString())
                .header(Notifier.SIGNATURE_HEADER, hook.key().signature(body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        int attempts = settings.backoff().retries() + 1;
        for (int attempt = 1; ; attempt++) {
            String problem;
            try {
                int status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                if (status >= 200 && status < 300) {
                    log.debug("webhook {}: {} of release {} delivered ({})", hook.name(), n.event().wireName(), n.release(), deliveryId);
                    return;
                }
                if (!(status == 408 || status == 429 || status >= 500)) {
                    log.warn("webhook {}: {} of release {} refused by {} with status {}; not retried (check the receiver's URL and secret)",
                            hook.name(), n.event().wireName(), n.release(), hook.where(), status);
                    return;
                }
                problem = "status " + status;
            } catch (IOException e) {
                // the exception's text, never the URL: Slack's carry a secret
                problem = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            }
            if (attempt == attempts) {
                log.warn("webhook {}: gave up on {} of release {} after {} attempts to {}; last: {}", hook.name(), n.event().wireName(), n.release(),
                        attempts, hook.where(), problem);
                return;
            }
            Duration wait = settings.backoff().delay(attempt);
            log.debug("webhook {}: attempt {} of {} failed ({}); again in {} ms", hook.name(), attempt, attempts, problem, wait.toMillis());
            Thread.sleep(wait);
        }
    }
}
