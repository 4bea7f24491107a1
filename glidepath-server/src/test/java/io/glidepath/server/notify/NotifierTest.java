package io.glidepath.server.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.journal.Outcome;
import io.glidepath.time.Backoff;
import io.glidepath.analysis.Verdict;
import io.glidepath.journal.Phase;
import io.glidepath.journal.ReleaseEvent;
import io.glidepath.journal.StoredEvent;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The notifier against real HTTP receivers on loopback: signing, payload, retries, isolation, filters. */
class NotifierTest {
    static final Instant T = Instant.parse("2026-11-27T10:00:00Z");
    static final String KEY = "s3cr3t-key-for-tests";
    static final Duration WAIT = Duration.ofSeconds(10);
    /** Short back-offs so retries take milliseconds. */
    static final Notifier.Settings FAST = new Notifier.Settings(100, Duration.ofSeconds(2), new Backoff(Duration.ofMillis(10), Duration.ofMillis(20), 2),
            Duration.ofSeconds(2));

    final List<AutoCloseable> toClose = new ArrayList<>();
    long seq;

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : toClose.reversed()) {
            c.close();
        }
    }

    WebhookReceiver receiver() throws Exception {
        WebhookReceiver r = WebhookReceiver.start(KEY);
        toClose.add(r);
        return r;
    }

    Notifier notifier(Notifier.Settings settings, Webhook... hooks) {
        Notifier n = new Notifier(List.of(hooks), settings);
        toClose.add(n);
        return n;
    }

    static Webhook hook(String name, URI url, Set<WebhookEvent> events, Set<String> services) {
        return new Webhook(name, url, new SigningKey(KEY.getBytes(StandardCharsets.UTF_8)), events, services);
    }

    static Webhook hook(String name, WebhookReceiver r) {
        return hook(name, r.url(), EnumSet.allOf(WebhookEvent.class), Set.of());
    }

    StoredEvent ev(String release, ReleaseEvent e) {
        return new StoredEvent(release, ++seq, e);
    }

    /** Which of {@link #canaryPromotion}'s events become notifications: started x2, step x2 (not the preview route), promoted x2. */
    static final List<Integer> NOTIFIED = List.of(0, 1, 5, 7, 8, 10);

    /** A canary of one service from start to promotion, as the engine journals it. */
    List<StoredEvent> canaryPromotion(String release, String service) {
        return List.of(
                ev(release, new ReleaseEvent.Submitted(T, null, "release " + release + " submitted by alice: " + service + " v2", List.of(service),
                        List.of(List.of(service)))),
                ev(release, new ReleaseEvent.PhaseChanged(T, service, "starting 2 instances of " + service + " v2", Phase.STARTING, "v2")),
                ev(release, new ReleaseEvent.InstanceReady(T, service, "instance i1 is ready after 80 ms", "i1", 80)),
                ev(release, new ReleaseEvent.PhaseChanged(T, service, "all 2 new instances are ready", Phase.READY, "v2")),
                ev(release, new ReleaseEvent.TrafficChanged(T, service, "new instances on the preview route for smoke tests", "v1", null, 0, 6)),
                ev(release, new ReleaseEvent.TrafficChanged(T, service, "canary v2 at 20%", "v1", "v2", 2000, 7)),
                ev(release, new ReleaseEvent.VerdictGiven(T, service, "pass", Verdict.Outcome.PASS, 100, 0, 20, 0, 12.0, 11.0)),
                ev(release, new ReleaseEvent.TrafficChanged(T, service, "promoted v2 to stable; v1 stays warm", "v2", null, 0, 8)),
                ev(release, new ReleaseEvent.PhaseChanged(T, service, service + " v2 is stable; watching it for 2s", Phase.PROMOTED, "v2")),
                ev(release, new ReleaseEvent.PhaseChanged(T, service, service + " v2 serves all traffic", Phase.DONE, "v2")),
                ev(release, new ReleaseEvent.Finished(T.plusSeconds(9), null, "release " + release + " promoted", Outcome.PROMOTED, null, null)));
    }

    @Test
    void eachDeliveryIsSignedWithTheKeyAndCarriesSlackTextAndTheEventsFields() throws Exception {
        WebhookReceiver r = receiver();
        Notifier notifier = notifier(FAST, hook("team", r));
        canaryPromotion("shop-1", "shop").forEach(notifier::accept);
        await().atMost(WAIT).until(() -> r.deliveries().size() == 6);
        assertThat(r.events()).containsExactly("started", "started", "step", "step", "promoted", "promoted");
        for (WebhookReceiver.Delivery d : r.deliveries()) {
            assertThat(d.signatureValid()).as("signature of " + d.event()).isTrue();
            assertThat(d.json().path("event").asText()).isEqualTo(d.event());
            assertThat(d.json().path("deliveryId").asText()).isEqualTo(d.deliveryId()).hasSize(36);
            assertThat(d.contentType()).isEqualTo("application/json");
            assertThat(d.text()).isNotBlank();
            assertThat(new String(d.body(), StandardCharsets.UTF_8)).doesNotContain(KEY);
        }
        // a signature made with another key does not verify: the check above is not vacuous
        assertThat(new SigningKey("another key".getBytes(StandardCharsets.UTF_8)).signature(r.deliveries().get(0).body()))
                .isNotEqualTo(r.deliveries().get(0).signature());

        JsonNode started = r.deliveries().get(0).json();
        assertThat(started.path("text").asText()).isEqualTo("Release shop-1 submitted by alice: shop v2");
        assertThat(started.path("release").asText()).isEqualTo("shop-1");
        assertThat(started.has("service") && started.get("service").isNull()).as("service is null for the release").isTrue();
        assertThat(started.path("at").asText()).isEqualTo("2026-11-27T10:00:00Z");
        assertThat(started.path("seq").asLong()).isEqualTo(1);

        JsonNode step = r.deliveries().get(2).json();
        assertThat(step.path("text").asText()).isEqualTo("Release shop-1, shop: canary v2 at 20%");
        assertThat(step.path("service").asText()).isEqualTo("shop");
        assertThat(step.path("version").asText()).isEqualTo("v2");
        assertThat(step.path("traffic").path("stableVersion").asText()).isEqualTo("v1");
        assertThat(step.path("traffic").path("canaryVersion").asText()).isEqualTo("v2");
        assertThat(step.path("traffic").path("canaryPercent").asDouble()).isEqualTo(20.0);

        JsonNode servicePromoted = r.deliveries().get(4).json();
        assertThat(servicePromoted.path("text").asText()).isEqualTo("Release shop-1, shop: v2 promoted to stable");
        assertThat(servicePromoted.path("outcome").asText()).isEqualTo("PROMOTED");
        JsonNode released = r.deliveries().get(5).json();
        assertThat(released.path("text").asText()).isEqualTo("Release shop-1 promoted");
        assertThat(released.path("outcome").asText()).isEqualTo("PROMOTED");
        assertThat(released.get("reason").isNull()).isTrue();
        assertThat(released.path("at").asText()).isEqualTo("2026-11-27T10:00:09Z");
    }

    @Test
    void aReceiverAnswering500TwiceGetsTheEventOnTheThirdAttemptWithTheSameDeliveryIdAndOrderIsKept() throws Exception {
        WebhookReceiver r = receiver();
        r.answer(500, 500);
        Notifier notifier = notifier(FAST, hook("team", r));
        List<StoredEvent> events = canaryPromotion("shop-1", "shop");
        notifier.accept(events.get(0));
        notifier.accept(events.get(1));
        await().atMost(WAIT).until(() -> r.deliveries().size() == 4);
        List<WebhookReceiver.Delivery> d = r.deliveries();
        assertThat(d.subList(0, 3)).extracting(WebhookReceiver.Delivery::deliveryId).containsOnly(d.get(0).deliveryId());
        assertThat(d.subList(0, 3)).allSatisfy(x -> assertThat(x.body()).isEqualTo(d.get(0).body()));
        assertThat(d.get(0).json().path("release").asText()).isEqualTo("shop-1");
        assertThat(d.get(0).json().path("service").isNull()).isTrue();
        // the next event waited for the first: in order per webhook
        assertThat(d.get(3).json().path("service").asText()).isEqualTo("shop");
        assertThat(d.get(3).deliveryId()).isNotEqualTo(d.get(0).deliveryId());
    }

    @Test
    void afterTheLastBackOffItGivesUpWithAWarningARefusalIsNotRetriedAndTheNextEventsStillGo() throws Exception {
        WebhookReceiver r = receiver();
        r.answer(503, 503, 503, 401);
        try (LogCapture logs = new LogCapture()) {
            Notifier notifier = notifier(FAST, hook("team", r));
            List<StoredEvent> events = canaryPromotion("shop-1", "shop");
            notifier.accept(events.get(0)); // 503 three times: gives up after 2 back-offs
            notifier.accept(events.get(1)); // 401: not retried
            notifier.accept(events.get(8)); // the service promoted: delivered
            await().atMost(WAIT).until(() -> r.deliveries().size() == 5);
            assertThat(r.events()).containsExactly("started", "started", "started", "started", "promoted");
            await().atMost(WAIT).until(() -> logs.lines().stream().anyMatch(l -> l.contains("refused")));
            assertThat(logs.lines()).contains(
                    "WARN webhook team: gave up on started of release shop-1 after 3 attempts to http://127.0.0.1:" + r.url().getPort()
                            + "; last: status 503",
                    "WARN webhook team: started of release shop-1 refused by http://127.0.0.1:" + r.url().getPort()
                            + " with status 401; not retried (check the receiver's URL and secret)");
            assertThat(String.join("\n", logs.lines())).doesNotContain(KEY).doesNotContain("/hook/team");
        }
    }

    @Test
    void connectionErrorsAreRetriedThenGivenUp() throws Exception {
        URI nobody;
        try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            nobody = URI.create("http://127.0.0.1:" + s.getLocalPort() + "/hook/secret-path");
        }
        try (LogCapture logs = new LogCapture()) {
            Notifier notifier = notifier(FAST, hook("gone", nobody, EnumSet.allOf(WebhookEvent.class), Set.of()));
            notifier.accept(canaryPromotion("shop-1", "shop").get(0));
            await().atMost(WAIT).until(() -> logs.lines().stream().anyMatch(l -> l.startsWith("WARN webhook gone: gave up on started of release shop-1 after 3 attempts")));
            assertThat(String.join("\n", logs.lines())).contains("ConnectException").doesNotContain("secret-path").doesNotContain(KEY);
        }
    }

    @Test
    void aReceiverThatHangsDelaysNeitherTheEmittingThreadNorOtherWebhooksAndAFullQueueDropsWithAWarning() throws Exception {
        WebhookReceiver stuck = receiver();
        stuck.holdRequests();
        WebhookReceiver fine = receiver();
        Notifier.Settings settings = new Notifier.Settings(3, Duration.ofMinutes(1), new Backoff(Duration.ofMillis(10), Duration.ofMillis(10), 1), Duration.ofMillis(200));
        try (LogCapture logs = new LogCapture()) {
            Notifier notifier = notifier(settings, hook("stuck", stuck), hook("fine", fine));
            List<StoredEvent> events = canaryPromotion("shop-1", "shop");
            notifier.accept(events.get(0));
            await().atMost(WAIT).until(() -> stuck.deliveries().size() == 1); // its sender now waits on the receiver
            // the rest of the release: emitting returns at once though "stuck" holds its first request (a minute's timeout),
            // and "fine" gets each event meanwhile (one at a time, so that only stuck's queue can fill)
            for (int i = 1; i < events.size(); i++) {
                StoredEvent e = events.get(i);
                int before = fine.deliveries().size();
                assertTimeoutPreemptively(Duration.ofSeconds(2), () -> notifier.accept(e));
                if (NOTIFIED.contains(i)) {
                    await().atMost(WAIT).pollInterval(Duration.ofMillis(10)).until(() -> fine.deliveries().size() == before + 1);
                }
            }
            assertThat(fine.events()).containsExactly("started", "started", "step", "step", "promoted", "promoted");
            assertThat(stuck.deliveries()).hasSize(1);
            // 5 more for "stuck": 3 queued, 2 dropped (the last two), each named
            assertThat(logs.lines()).filteredOn(l -> l.startsWith("WARN")).containsExactly(
                    "WARN webhook stuck: 3 notifications wait already (its receiver is slow or down); dropped promoted of release shop-1",
                    "WARN webhook stuck: 3 notifications wait already (its receiver is slow or down); dropped promoted of release shop-1");
            assertThat(String.join("\n", logs.lines())).doesNotContain(KEY);
        }
    }

    @Test
    void eventsAndServicesFiltersChooseWhatEachWebhookIsTold() throws Exception {
        WebhookReceiver all = receiver();
        WebhookReceiver outcomes = receiver();
        WebhookReceiver cart = receiver();
        Notifier notifier = notifier(FAST, hook("all", all),
                hook("outcomes", outcomes.url(), EnumSet.of(WebhookEvent.PROMOTED, WebhookEvent.ROLLED_BACK), Set.of()),
                hook("cart", cart.url(), EnumSet.allOf(WebhookEvent.class), Set.of("cart")));
        canaryPromotion("shop-1", "shop").forEach(notifier::accept);
        // a release of two services: cart's events and the release's reach "cart", not shop's
        List<StoredEvent> both = new ArrayList<>(List.of(
                ev("both-1", new ReleaseEvent.Submitted(T, null, "release both-1 submitted by alice: shop v3, cart v7", List.of("shop", "cart"),
                        List.of(List.of("shop", "cart")))),
                ev("both-1", new ReleaseEvent.PhaseChanged(T, "shop", "starting", Phase.STARTING, "v3")),
                ev("both-1", new ReleaseEvent.PhaseChanged(T, "cart", "starting", Phase.STARTING, "v7")),
                ev("both-1", new ReleaseEvent.TrafficChanged(T, "cart", "new instances on the preview route for smoke tests", "v6", null, 0, 2)),
                ev("both-1", new ReleaseEvent.TrafficChanged(T, "cart", "canary v7 at 50%", "v6", "v7", 5000, 3)),
                ev("both-1", new ReleaseEvent.PhaseChanged(T, "shop", "shop v3 is stable", Phase.PROMOTED, "v3")),
                ev("both-1", new ReleaseEvent.PhaseChanged(T, "cart", "cart v7 is stable", Phase.PROMOTED, "v7")),
                ev("both-1", new ReleaseEvent.Finished(T, null, "release both-1 promoted", Outcome.PROMOTED, null, null))));
        both.forEach(notifier::accept);
        // each sender keeps order: once the last event a webhook wants has arrived, so has everything before it
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(all.deliveries()).hasSize(13);
            assertThat(outcomes.deliveries()).hasSize(5);
            assertThat(cart.deliveries()).hasSize(5);
        });
        assertThat(outcomes.deliveries()).extracting(d -> d.event() + " " + d.json().path("release").asText() + " " + d.json().path("service").asText(null))
                .containsExactly("promoted shop-1 shop", "promoted shop-1 null", "promoted both-1 shop", "promoted both-1 cart", "promoted both-1 null");
        assertThat(cart.deliveries()).extracting(d -> d.event() + " " + d.json().path("release").asText() + " " + d.json().path("service").asText(null))
                .containsExactly("started both-1 null", "started both-1 cart", "step both-1 cart", "promoted both-1 cart", "promoted both-1 null");
    }
}
