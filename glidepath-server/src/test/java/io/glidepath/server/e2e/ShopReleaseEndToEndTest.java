package io.glidepath.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.journal.EventJson;
import io.glidepath.examples.SampleService;
import io.glidepath.examples.ShopExample;
import io.glidepath.testkit.load.LoadGenerator;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shop example (gateway calls catalog and pricing, catalog calls inventory, every call through
 * the router) released as one release, with real processes and real traffic: a healthy release
 * promoted wave by wave under load, releases beside it (disjoint: at the same time; overlapping:
 * refused, or queued and then cancelled), and a release whose inventory breaks the new gateway in
 * the last wave, which flips every promoted service back, last wave first, within a second.
 */
@Execution(ExecutionMode.CONCURRENT) // the second lane, beside the other classes: junit-platform.properties
@ResourceLock("second-lane")
class ShopReleaseEndToEndTest {
    static final Duration MAX = Duration.ofMinutes(3);

    @TempDir
    Path data;

    static String shop(String file) {
        return ShopExample.release(file);
    }

    /** A service outside the shop, for a release beside the shop's. */
    static String ledger() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        String cp = Path.of(SampleService.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        return """
                release: ledger-v1
                services:
                  - name: ledger
                    version: v1
                    run:
                      command: [%s, -XX:TieredStopAtLevel=1, -XX:+UseSerialGC, -Xmx96m, -cp, %s, io.glidepath.examples.SampleService]
                      env: {PORT: "{{port}}", VERSION: "{{version}}", SERVICE_NAME: ledger}
                    route: {pathPrefix: /ledger}
                    readiness: {path: /ready, interval: 200ms, deadline: 30s}
                    strategy: blueGreen
                    analysis: {postPromotion: 3s}
                """.formatted(java, cp);
    }

    @Test
    void theShopShipsWaveByWaveUnderLoadAndAFailingReleaseFlipsEveryServiceBackWithinASecond() throws Exception {
        try (Stack stack = Stack.start(data)) {
            JsonNode first = stack.awaitEnd(stack.submit(shop("shop-v1.yaml")), MAX);
            assertThat(first.path("state").asText()).as(first.toString()).isEqualTo("PROMOTED");
            assertThat(get(stack, "/checkout")).contains("hello from gateway v1", "hello from catalog v1", "hello from inventory v1", "hello from pricing v1");

            try (LoadGenerator load = stack.load(4, 200)) {
                await().atMost(Duration.ofSeconds(10)).until(() -> load.requestCount() > 200);

                // v2 of all four, in waves; meanwhile a disjoint release runs beside it and an overlapping one is refused or queued
                String v2 = stack.submit(shop("shop-v2.yaml"));
                await().atMost(Duration.ofSeconds(60)).until(() -> !stack.get("/v1/releases/" + v2).path("phases").isEmpty());
                HttpResponse<String> refused = stack.post("/v1/releases", shop("shop-v2.yaml").replace("release: shop-v2", "release: shop-v2-again"));
                assertThat(refused.statusCode()).isEqualTo(409);
                assertThat(EventJson.MAPPER.readTree(refused.body()).path("holder").asText()).isEqualTo(v2);
                String queued = stack.submit(shop("shop-v2.yaml").replace("release: shop-v2", "release: shop-v2-queued"), "/v1/releases?queue=true");
                JsonNode q = stack.get("/v1/releases/" + queued);
                assertThat(q.path("state").asText()).isEqualTo("QUEUED");
                assertThat(q.path("queuedBehind").asText()).isEqualTo(v2);
                String beside = stack.submit(ledger());
                assertThat(stack.get("/v1/releases/" + beside).path("state").asText()).as("disjoint: runs now").isEqualTo("RUNNING");
                assertThat(stack.get("/v1/releases/" + v2).path("state").asText()).isEqualTo("RUNNING");
                assertThat(stack.post("/v1/releases/" + queued + "/abort", null).statusCode()).isEqualTo(202);
                assertThat(stack.get("/v1/releases/" + queued).path("state").asText()).isEqualTo("CANCELLED");

                JsonNode promoted = stack.awaitEnd(v2, MAX);
                assertThat(promoted.path("state").asText()).as(promoted.toString()).isEqualTo("PROMOTED");
                assertThat(stack.awaitEnd(beside, MAX).path("state").asText()).isEqualTo("PROMOTED");
                List<JsonNode> events = stack.events(v2);
                // a service starts only once everything it depends on is promoted
                assertThat(index(events, promotedOf("inventory"))).isLessThan(index(events, startOf("catalog")));
                assertThat(index(events, promotedOf("catalog"))).isLessThan(index(events, startOf("gateway")));
                assertThat(index(events, promotedOf("pricing"))).isLessThan(index(events, startOf("gateway")));
                assertThat(events).filteredOn(e -> e.path("kind").asText().equals("check") && e.path("check").asText().equals("checkout"))
                        .as("verify after each of the 3 waves").hasSize(3).allMatch(e -> e.path("passed").asBoolean());
                assertThat(get(stack, "/checkout")).contains("hello from gateway v2", "hello from catalog v2", "hello from inventory v2",
                        "hello from pricing v2");
                assertThat(load.failures()).as("users' failed requests during the healthy release").isEmpty();

                // v3: inventory v3 fails on the new gateway's API version; it passes its own wave and breaks the last one
                String v3 = stack.submit(shop("shop-v3.yaml"));
                JsonNode back = stack.awaitEnd(v3, MAX);
                assertThat(back.path("state").asText()).as(back.toString()).isEqualTo("ROLLED_BACK");
                assertThat(back.path("reason").asText()).startsWith("gateway: ");
                assertThat(back.path("phases").toString()).as("each service's outcome").isEqualTo("{\"gateway\":{\"wave\":3,\"phase\":\"ROLLED_BACK\"},"
                        + "\"catalog\":{\"wave\":2,\"phase\":\"ROLLED_BACK\"},\"pricing\":{\"wave\":1,\"phase\":\"ROLLED_BACK\"},"
                        + "\"inventory\":{\"wave\":1,\"phase\":\"ROLLED_BACK\"}}");
                events = stack.events(v3);
                for (String s : List.of("inventory", "pricing", "catalog")) {
                    assertThat(events).as(s + " was promoted in this release").anyMatch(promotedOf(s));
                }
                JsonNode restored = events.stream().filter(e -> e.path("kind").asText().equals("trafficRestored") && !e.has("service"))
                        .findFirst().orElseThrow();
                assertThat(restored.path("millis").asLong()).as("decision to every service on its previous version").isLessThanOrEqualTo(1000);
                // flips in reverse dependency order: catalog (wave 2) before inventory and pricing (wave 1)
                int catalog = index(events, flipOf("catalog"));
                assertThat(catalog).isLessThan(index(events, flipOf("inventory"))).isLessThan(index(events, flipOf("pricing")));
                assertThat(index(events, e -> e.path("kind").asText().equals("rollbackDecided") && "gateway".equals(e.path("service").asText())))
                        .isLessThan(catalog);

                JsonNode services = stack.get("/v1/services").path("services");
                for (JsonNode s : services) {
                    if (!s.path("name").asText().equals("ledger")) {
                        assertThat(s.path("currentVersion").asText()).as(s.toString()).isEqualTo("v2");
                        assertThat(s.path("route").path("stable").asText()).as(s.toString()).isEqualTo("v2");
                        assertThat(s.path("route").path("canary").isNull()).isTrue();
                    }
                }
                assertThat(get(stack, "/checkout")).contains("hello from gateway v2", "hello from inventory v2");
                long atEnd = load.requestCount();
                await().atMost(Duration.ofSeconds(10)).until(() -> load.requestCount() > atEnd + 100);
                assertThat(load.failures()).as("users' failed requests, whole test").isEmpty();
            }
        }
    }

    static String get(Stack stack, String path) throws Exception {
        HttpResponse<String> r = stack.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + stack.proxyPort() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.body();
    }

    static Predicate<JsonNode> promotedOf(String service) {
        return e -> e.path("kind").asText().equals("phase") && e.path("phase").asText().equals("DONE") && service.equals(e.path("service").asText());
    }

    static Predicate<JsonNode> startOf(String service) {
        return e -> e.path("kind").asText().equals("instancesStarted") && service.equals(e.path("service").asText());
    }

    static Predicate<JsonNode> flipOf(String service) {
        return e -> e.path("kind").asText().equals("phase") && e.path("phase").asText().equals("ROLLING_BACK") && service.equals(e.path("service").asText());
    }

    static int index(List<JsonNode> events, Predicate<JsonNode> p) {
        for (int i = 0; i < events.size(); i++) {
            if (p.test(events.get(i))) {
                return i;
            }
        }
        throw new AssertionError("no such event in " + events.stream().map(e -> e.path("message").asText()).toList());
    }
}
