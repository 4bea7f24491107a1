package io.glidepath.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.journal.EventJson;
import io.glidepath.testkit.load.LoadGenerator;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /v1/live} without a browser, on a real stack: a canary paused at 25% under load is
 * sent every second with its wave, phase, version, the router's weight and stable vs canary
 * figures; every watcher gets the same snapshots; a viewer may watch, nobody without a token.
 */
class DashboardLiveEndToEndTest {
    static final Duration MAX = Duration.ofSeconds(90);

    @TempDir
    Path data;
    Stack stack;
    LoadGenerator load;

    @AfterEach
    void stop() throws Exception {
        if (load != null) {
            load.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void aSnapshotOfTheRunningCanaryEverySecondTheSameForEveryWatcher() throws Exception {
        stack = Stack.start(data);
        assertThat(stack.awaitEnd(stack.submit(Stack.release("v1", Map.of(), "")), MAX).path("state").asText()).isEqualTo("PROMOTED");
        load = stack.load(8);
        HttpResponse<String> made = stack.post("/v1/tokens", "{\"name\": \"wall-screen\", \"role\": \"viewer\"}");
        assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
        String viewer = EventJson.MAPPER.readTree(made.body()).path("token").asText();

        try (SseClient anonymous = SseClient.open(stack.http, stack.api("/v1/live"), null)) {
            assertThat(anonymous.status).isEqualTo(401);
        }

        String id = stack.submit(Stack.release("v2", Map.of(), "    steps: [{weight: 25}, {pause: manual}]\n"));
        try (SseClient a = SseClient.open(stack.http, stack.api("/v1/live"), viewer);
             SseClient b = SseClient.open(stack.http, stack.api("/v1/live"), viewer)) {
            assertThat(a.status).isEqualTo(200);
            // the canary at 25% with figures on both tracks, for four snapshots in a row
            await().atMost(MAX).until(() -> a.json().stream().filter(s -> canaryFigures(s, id)).count() >= 4);
            JsonNode snap = a.json().stream().filter(s -> canaryFigures(s, id)).reduce((x, y) -> y).orElseThrow();
            assertThat(snap.path("windowSeconds").asDouble()).isEqualTo(5.0);
            JsonNode release = snap.path("releases").get(0);
            assertThat(release.path("id").asText()).isEqualTo(id);
            assertThat(release.path("state").asText()).isEqualTo("RUNNING");
            assertThat(release.path("submittedBy").asText()).isEqualTo("tester");
            JsonNode shop = release.path("services").get(0);
            assertThat(shop.path("name").asText()).isEqualTo("shop");
            assertThat(shop.path("wave").asInt()).isEqualTo(1);
            assertThat(shop.path("phase").asText()).isEqualTo("SHIFTING");
            assertThat(shop.path("version").asText()).isEqualTo("v2");
            assertThat(shop.path("route").toString()).isEqualTo("{\"stable\":\"v1\",\"canary\":\"v2\",\"canaryWeight\":2500}");
            for (String track : List.of("stable", "canary")) {
                JsonNode t = shop.path(track);
                assertThat(t.path("requests").asLong()).as(track).isPositive();
                assertThat(t.path("requestsPerSecond").asDouble()).as(track).isPositive();
                assertThat(t.path("errorRate").asDouble()).as(track).isZero();
                assertThat(t.path("p99Millis").asDouble()).as(track).isPositive();
            }
            // a quarter of the load on the canary, give or take the sticky split's grain
            double share = shop.path("canary").path("requests").asDouble()
                    / (shop.path("canary").path("requests").asDouble() + shop.path("stable").path("requests").asDouble());
            assertThat(share).isBetween(0.1, 0.4);

            // one snapshot a second, read once for both watchers: the same numbered frames, byte for byte
            await().atMost(Duration.ofSeconds(10)).until(() -> a.events.size() >= 7 && b.events.size() >= 7);
            List<SseClient.Event> frames = a.events.subList(1, 7);
            for (int i = 1; i < frames.size(); i++) {
                Duration gap = Duration.between(at(frames.get(i - 1)), at(frames.get(i)));
                assertThat(gap).as("time between snapshots").isBetween(Duration.ofMillis(500), Duration.ofMillis(1600));
                assertThat(Long.parseLong(frames.get(i).id())).isEqualTo(Long.parseLong(frames.get(i - 1).id()) + 1);
            }
            Duration span = Duration.between(at(frames.get(0)), at(frames.get(5)));
            assertThat(span).as("five periods").isBetween(Duration.ofMillis(4500), Duration.ofMillis(5800));
            Map<String, String> seenByA = a.events.stream().collect(Collectors.toMap(SseClient.Event::id, SseClient.Event::data, (x, y) -> x));
            List<SseClient.Event> shared = b.events.stream().filter(e -> seenByA.containsKey(e.id())).toList();
            assertThat(shared).hasSizeGreaterThanOrEqualTo(5);
            shared.forEach(e -> assertThat(e.data()).isEqualTo(seenByA.get(e.id())));
            assertThat(a.events).extracting(SseClient.Event::name).containsOnly("snapshot");

            // promoted: the release leaves the live view
            assertThat(stack.post("/v1/releases/" + id + "/promote", null).statusCode()).isEqualTo(202);
            assertThat(stack.awaitEnd(id, MAX).path("state").asText()).isEqualTo("PROMOTED");
            int seen = a.events.size();
            await().atMost(Duration.ofSeconds(5)).until(() -> a.json().stream().skip(seen).anyMatch(s -> s.path("releases").isEmpty()));
        }
        load.close();
        assertThat(load.failures()).as("requests users saw fail").isEmpty();
    }

    private static Instant at(SseClient.Event e) {
        return Instant.parse(e.json().path("at").asText());
    }

    private static boolean canaryFigures(JsonNode snapshot, String id) {
        for (JsonNode r : snapshot.path("releases")) {
            if (r.path("id").asText().equals(id)) {
                JsonNode s = r.path("services").get(0);
                return s.path("route").path("canaryWeight").asInt() == 2500 && s.path("canary").path("requests").asLong() > 0
                        && s.path("stable").path("requests").asLong() > 0;
            }
        }
        return false;
    }
}
