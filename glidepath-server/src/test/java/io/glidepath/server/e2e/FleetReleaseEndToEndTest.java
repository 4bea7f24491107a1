package io.glidepath.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.examples.ShopExample;
import io.glidepath.http.ClientRequest;
import io.glidepath.http.ClientResponse;
import io.glidepath.http.HttpConnection;
import io.glidepath.testkit.load.LoadGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * examples/fleet as users run it: twelve customers of the sample service, each on its own host with
 * its own instances, the fleet file beside the release files. Under traffic on every customer's host:
 * v1 to all, v2 in three rings (promoted), and v3, whose bug only the customers with LEGACY_BILLING on
 * reach: caught in ring early, where the second such customer exceeds the failure budget and every
 * customer the release updated goes back to v2; ring rest is never touched; no user request fails.
 */
@Execution(ExecutionMode.CONCURRENT) // the second lane, beside the other classes: junit-platform.properties
@ResourceLock("second-lane")
class FleetReleaseEndToEndTest {
    static final Duration MAX = Duration.ofMinutes(3);
    static final List<String> CUSTOMERS = List.of("c01", "c02", "c03", "c04", "c05", "c06", "c07", "c08", "c09", "c10", "c11", "c12");

    @TempDir
    Path data;

    @Test
    void aFleetShipsRingByRingAndABugOnlySomeCustomersReachStopsAtTheBudget() throws Exception {
        Files.writeString(data.resolve("customers.yaml"), ShopExample.file("fleet", "customers.yaml"));
        try (Stack stack = Stack.start(data)) {
            JsonNode first = stack.awaitEnd(stack.submit(ShopExample.file("fleet", "fleet-v1.yaml")), MAX);
            assertThat(first.path("state").asText()).as(first.toString()).isEqualTo("PROMOTED");
            for (String c : CUSTOMERS) {
                assertThat(get(stack, c)).contains("v1");
            }
            List<LoadGenerator> loads = new ArrayList<>();
            try {
                // 64 users a host, each with its own cookie: the sticky split gives each customer's canary about half of them (with 8,
                // a canary could get none, be judged inconclusive, be promoted, and only its watch after promotion catch it)
                for (String c : CUSTOMERS) {
                    loads.add(new LoadGenerator(new LoadGenerator.Config("127.0.0.1", stack.proxyPort(), List.of("/"), 1, 64, 25,
                            Duration.ofSeconds(10), Map.of("Host", c + ".example.test"), "X-Version")).start());
                }
                await().atMost(Duration.ofSeconds(10)).until(() -> loads.stream().allMatch(l -> l.requestCount() > 20));

                String v2 = stack.submit(ShopExample.file("fleet", "fleet-v2.yaml"));
                JsonNode promoted = stack.awaitEnd(v2, MAX);
                assertThat(promoted.path("state").asText()).as(promoted.toString()).isEqualTo("PROMOTED");
                List<JsonNode> events = stack.events(v2);
                assertThat(events).filteredOn(e -> e.path("kind").asText().equals("wave") && e.path("state").asText().equals("STARTED"))
                        .extracting(e -> e.path("ring").asText()).containsExactly("internal", "early", "rest");
                for (String c : CUSTOMERS) {
                    assertThat(get(stack, c)).contains("v2");
                }
                // c10's own override: two instances
                assertThat(stack.get("/v1/services").path("services").toString()).contains("web.c10");
                assertThat(failures(loads)).as("users' failed requests during the healthy release").isEmpty();

                String v3 = stack.submit(ShopExample.file("fleet", "fleet-v3.yaml"));
                JsonNode back = stack.awaitEnd(v3, MAX);
                assertThat(back.path("state").asText()).as(back.toString()).isEqualTo("ROLLED_BACK");
                // c03 and c04 deploy side by side in ring early: whichever fails second exceeds the budget of one
                assertThat(back.path("reason").asText()).matches("web\\.c0[34]: .*");
                events = stack.events(v3);
                List<JsonNode> failed = events.stream().filter(e -> e.path("kind").asText().equals("customerFailed")).toList();
                assertThat(failed).extracting(e -> e.path("customer").asText()).containsExactlyInAnyOrder("c03", "c04");
                assertThat(failed).extracting(e -> e.path("exceeded").asBoolean()).containsExactlyInAnyOrder(false, true);
                // nothing of ring rest started; everyone serves v2 again
                assertThat(events).noneMatch(e -> e.path("kind").asText().equals("instancesStarted") && e.path("service").asText().equals("web.c05"));
                for (String c : CUSTOMERS) {
                    assertThat(get(stack, c)).as(c).contains("v2");
                }
                for (JsonNode s : stack.get("/v1/services").path("services")) {
                    assertThat(s.path("currentVersion").asText()).as(s.toString()).isEqualTo("v2");
                }
                long atEnd = loads.stream().mapToLong(LoadGenerator::requestCount).sum();
                await().atMost(Duration.ofSeconds(10)).until(() -> loads.stream().mapToLong(LoadGenerator::requestCount).sum() > atEnd + 100);
                assertThat(failures(loads)).as("users' failed requests, whole test").isEmpty();
            } finally {
                for (LoadGenerator l : loads) {
                    l.close();
                }
            }
        }
    }

    static List<LoadGenerator.Failure> failures(List<LoadGenerator> loads) {
        return loads.stream().flatMap(l -> l.failures().stream()).toList();
    }

    /** The customer's home page through the router, by its host. */
    static String get(Stack stack, String customer) throws Exception {
        try (HttpConnection c = HttpConnection.open("127.0.0.1", stack.proxyPort(), Duration.ofSeconds(5), Duration.ofSeconds(10))) {
            ClientResponse r = c.send(ClientRequest.get("/").withHeader("Host", customer + ".example.test"));
            assertThat(r.status()).as(customer + ": " + r.bodyText()).isEqualTo(200);
            return r.bodyText();
        }
    }
}
