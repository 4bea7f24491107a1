package io.glidepath.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.cli.plan.PlanView;
import io.glidepath.cli.plan.RunningService;
import io.glidepath.journal.EventJson;
import io.glidepath.spec.ReleasePlan;
import io.glidepath.spec.ReleaseReader;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code glidepath plan} on the shop example, checked to the character. */
class PlanCommandTest {
    static final String SHOP_V1 = "../examples/shop/shop-v1.yaml";
    static final String SHOP_V3 = "../examples/shop/shop-v3.yaml";

    @TempDir
    Path dataDir;
    @RegisterExtension
    final ConsoleCapture console = new ConsoleCapture();
    final ByteArrayOutputStream out = console.out;
    final ByteArrayOutputStream err = console.err;

    int plan(String... args) {
        return Main.run(args);
    }

    @Test
    void theShopReleasePlansInThreeWavesWithItsCriticalPath() {
        assertThat(plan("plan", SHOP_V1, "--data-dir", dataDir.toString())).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("""
                release shop-v1 from ../examples/shop/shop-v1.yaml: 4 services in 3 waves

                wave 1
                  pricing    v1  blue-green                            waits 3s
                  inventory  v1  canary 20% > bake 4s > 50% > bake 4s  waits 11s

                wave 2
                  catalog    v1  canary 20% > bake 4s > 50% > bake 4s  waits 11s  (after inventory)

                wave 3
                  gateway    v1  canary 20% > bake 4s > 50% > bake 4s  waits 11s  (after catalog, pricing)

                verify through the router after each wave:
                  checkout  GET /checkout expects 200, body containing "hello from inventory"

                critical path: inventory 11s > catalog 11s > gateway 11s
                minimum duration: 33s of configured waits (bakes and post-promotion watches); starting instances and checks add to it
                risk: unknown (Glidepath is not running in DATA_DIR (start it with: glidepath up); the score is read from the server's release history)
                running now: unknown, Glidepath is not running in DATA_DIR (start it with: glidepath up)
                nothing was changed; deploy it with: glidepath deploy ../examples/shop/shop-v1.yaml
                """.replace("DATA_DIR", dataDir.toString()));
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void theShopPlanAsJson() throws Exception {
        assertThat(plan("plan", SHOP_V3, "--output", "json", "--data-dir", dataDir.toString())).isZero();
        JsonNode expected = EventJson.MAPPER.readTree("""
                {"file": "../examples/shop/shop-v3.yaml", "release": "shop-v3", "maxParallel": 0,
                 "waves": [
                   {"wave": 1, "services": [
                     {"name": "pricing", "version": "v3", "strategy": "blueGreen", "steps": [], "waits": "3s", "waitsMillis": 3000,
                      "dependsOn": [], "change": "unknown"},
                     {"name": "inventory", "version": "v3", "strategy": "canary",
                      "steps": [{"weight": 20}, {"bake": "4s"}, {"weight": 50}, {"bake": "4s"}], "waits": "11s", "waitsMillis": 11000,
                      "dependsOn": [], "change": "unknown"}]},
                   {"wave": 2, "services": [
                     {"name": "catalog", "version": "v3", "strategy": "canary",
                      "steps": [{"weight": 20}, {"bake": "4s"}, {"weight": 50}, {"bake": "4s"}], "waits": "11s", "waitsMillis": 11000,
                      "dependsOn": ["inventory"], "change": "unknown"}]},
                   {"wave": 3, "services": [
                     {"name": "gateway", "version": "v3", "strategy": "canary",
                      "steps": [{"weight": 20}, {"bake": "4s"}, {"weight": 50}, {"bake": "4s"}], "waits": "11s", "waitsMillis": 11000,
                      "dependsOn": ["catalog", "pricing"], "change": "unknown"}]}],
                 "verify": [{"name": "checkout", "method": "GET", "path": "/checkout", "expectStatus": 200, "bodyContains": "hello from inventory"}],
                 "criticalPath": ["inventory", "catalog", "gateway"],
                 "minimumDuration": "33s", "minimumDurationMillis": 33000,
                 "running": {"known": false, "reason": "Glidepath is not running in %s (start it with: glidepath up)"},
                 "risk": {"known": false, "reason": "Glidepath is not running in %s (start it with: glidepath up)"}}
                """.formatted(dataDir, dataDir));
        assertThat(EventJson.MAPPER.readTree(out.toString(StandardCharsets.UTF_8))).isEqualTo(expected);
    }

    @Test
    void aServerThatMovesTrafficThroughAGatewaySaysWhatThatCannotDo() throws Exception {
        var spec = ReleaseReader.read(SHOP_V3, Files.readString(Path.of(SHOP_V3)));
        JsonNode traffic = io.glidepath.journal.EventJson.MAPPER.readTree("""
                {"via": "the Gateway API: HTTPRoutes attached to Gateway infra/edge, users entering at edge.infra:80",
                 "limits": ["no sticky split: during a canary a user's requests may go to either version", "no canary shield: a failed request is not retried on stable"]}""");
        PlanView view = new PlanView(SHOP_V3, ReleasePlan.of(spec), Optional.of(Map.of()), null, Optional.of(PlanView.Traffic.of(traffic)));
        assertThat(view.text()).contains("""
                traffic: through the Gateway API: HTTPRoutes attached to Gateway infra/edge, users entering at edge.infra:80
                  no sticky split: during a canary a user's requests may go to either version
                  no canary shield: a failed request is not retried on stable
                """);
        assertThat(view.json().at("/traffic/limits/1").asText()).startsWith("no canary shield");
    }

    @Test
    void whatRunsDecidesWhichServicesAreNewReplacedOrNoOps() throws Exception {
        var spec = ReleaseReader.read(SHOP_V3, Files.readString(Path.of(SHOP_V3)));
        Map<String, RunningService> running = Map.of(
                "inventory", new RunningService("inventory", "v1", 2, Optional.empty()),
                "pricing", new RunningService("pricing", "v3", 2, Optional.empty()),
                "catalog", new RunningService("catalog", "v1", 2, Optional.of("hotfix-7")),
                // a service whose instances are all gone is deployed as new
                "gateway", new RunningService("gateway", "v1", 0, Optional.empty()));
        PlanView view = new PlanView(SHOP_V3, ReleasePlan.of(spec), Optional.of(running), null);
        assertThat(view.text()).contains("""
                wave 1
                  pricing    v3  blue-green                            waits 3s   no-op: v3 already runs
                  inventory  v3  canary 20% > bake 4s > 50% > bake 4s  waits 11s  replaces v1

                wave 2
                  catalog    v3  canary 20% > bake 4s > 50% > bake 4s  waits 11s  replaces v1, held by release hotfix-7  (after inventory)

                wave 3
                  gateway    v3  canary 20% > bake 4s > 50% > bake 4s  waits 11s  new  (after catalog, pricing)
                """).contains("\nno-ops: pricing (already run their versions)\n").doesNotContain("running now");
        JsonNode json = view.json();
        assertThat(json.at("/waves/0/services/0/change").asText()).isEqualTo("noOp");
        assertThat(json.at("/waves/0/services/1/change").asText()).isEqualTo("replace");
        assertThat(json.at("/waves/0/services/1/from").asText()).isEqualTo("v1");
        assertThat(json.at("/waves/1/services/0/heldBy").asText()).isEqualTo("hotfix-7");
        assertThat(json.at("/waves/2/services/0/change").asText()).isEqualTo("new");
        assertThat(json.at("/running/known").asBoolean()).isTrue();
    }

    Path fleetRelease() throws Exception {
        Files.writeString(dataDir.resolve("customers.yaml"), FleetFiles.CUSTOMERS);
        return Files.writeString(dataDir.resolve("release.yaml"), FleetFiles.RELEASE);
    }

    @Test
    void aFleetPlansItsRingsWithEachCustomersOverridesAndWhereTheyCameFrom() throws Exception {
        Path file = fleetRelease();
        Path none = dataDir.resolve("none");
        assertThat(plan("plan", file.toString(), "--data-dir", none.toString())).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("""
                release web-v2 from DIR/release.yaml: 6 services in 4 waves

                fleet web: 5 customers in 3 rings, from customers.yaml, each v2  canary 20% > bake 4s  waits 34s
                  failure budget: 1 customer, then keep the customers updated
                  shared by every customer unless its line below overrides it:
                    route.host          = (any)  (DIR/release.yaml:3:5)
                    route.pathPrefix    = /  (DIR/release.yaml:3:5)
                    run.command         = java -jar web.jar  (DIR/release.yaml:5:10)
                    run.replicas        = 1  (DIR/release.yaml:5:10)
                    run.env.CHECKOUT_V2 = false  (DIR/release.yaml:5:10)
                    run.env.MODE        = shared  (DIR/release.yaml:5:10)

                wave 1, ring internal of web: 1 customer, waits for glidepath promote (manual gate), then bake 1m
                  web.c01  route.host = c01.example.test (DIR/customers.yaml:2:23)
                  other settings of these customers: shared (fleet web above)

                wave 2, ring early of web: 2 customers, 1 at a time, then bake 2m
                  web.c02  route.host = c02.example.test (DIR/customers.yaml:3:23), run.env.CHECKOUT_V2 = true (DIR/customers.yaml:3:60)
                  web.c03  route.host = c03.example.test (DIR/customers.yaml:4:23), run.replicas = 2 (DIR/customers.yaml:4:51)
                  other settings of these customers: shared (fleet web above)

                wave 3, ring rest of web: 2 customers, all at once
                  web.c04  route.host = c04.example.test (DIR/customers.yaml:5:23)
                  web.c05  route.host = c05.example.test (DIR/customers.yaml:6:23)
                  other settings of these customers: shared (fleet web above)

                wave 4
                  edge  1.0.0  blue-green  waits 30s  (after web (5 customers))

                critical path: web.c01 34s > web.c02 34s > web.c04 34s > edge 30s
                minimum duration: 346s of configured waits (bakes, post-promotion watches and the bakes after rings, with each ring's \
                customers at most its parallelism at once; a manual gate counts nothing); starting instances and checks add to it
                risk: unknown (Glidepath is not running in NONE (start it with: glidepath up); the score is read from the server's release history)
                running now: unknown, Glidepath is not running in NONE (start it with: glidepath up)
                nothing was changed; deploy it with: glidepath deploy DIR/release.yaml
                """.replace("DIR", dataDir.toString()).replace("NONE", none.toString()));
    }

    @Test
    void aFleetsPlanInJsonHasEveryCustomersWholeConfigurationRingsAndBudget() throws Exception {
        Path file = fleetRelease();
        assertThat(plan("plan", file.toString(), "--output", "json", "--data-dir", dataDir.resolve("none").toString())).isZero();
        JsonNode json = EventJson.MAPPER.readTree(out.toString(StandardCharsets.UTF_8));
        assertThat(json.at("/waves/0/ring").asText()).isEqualTo("internal");
        assertThat(json.at("/waves/0/gate").asBoolean()).isTrue();
        assertThat(json.at("/waves/0/bakeAfterMillis").asLong()).isEqualTo(60_000);
        assertThat(json.at("/waves/1/maxParallel").asInt()).isEqualTo(1);
        assertThat(json.at("/waves/1/services/0/customer").asText()).isEqualTo("c02");
        assertThat(json.at("/waves/3").has("ring")).as("a wave that is no ring has no ring settings").isFalse();
        JsonNode fleet = json.at("/fleets/0");
        assertThat(fleet.path("service").asText()).isEqualTo("web");
        assertThat(fleet.path("file").asText()).isEqualTo("customers.yaml");
        assertThat(fleet.at("/failureBudget/allowed").asInt()).isEqualTo(1);
        assertThat(fleet.at("/failureBudget/then").asText()).isEqualTo("keep");
        assertThat(fleet.at("/failureBudget/text").asText()).isEqualTo("1 customer, then keep the customers updated");
        assertThat(fleet.path("rings").findValuesAsText("name")).containsExactly("internal", "early", "rest");
        assertThat(fleet.at("/rings/1/customers").toString()).isEqualTo("[\"c02\",\"c03\"]");
        assertThat(fleet.at("/rings/1/wave").asInt()).isEqualTo(2);
        JsonNode c02 = fleet.at("/customerSettings/1");
        assertThat(c02.path("deployment").asText()).isEqualTo("web.c02");
        assertThat(c02.path("ring").asText()).isEqualTo("early");
        // every setting, shared ones too, each with where it was written
        assertThat(c02.path("settings").findValuesAsText("field"))
                .containsExactly("route.host", "route.pathPrefix", "run.command", "run.replicas", "run.env.CHECKOUT_V2", "run.env.MODE");
        JsonNode flag = c02.at("/settings/4");
        assertThat(flag.path("value").asText()).isEqualTo("true");
        assertThat(flag.path("overridden").asBoolean()).isTrue();
        assertThat(flag.path("from").asText()).isEqualTo(dataDir.resolve("customers.yaml") + ":3:60");
        JsonNode mode = c02.at("/settings/5");
        assertThat(mode.path("overridden").asBoolean()).isFalse();
        assertThat(mode.path("from").asText()).isEqualTo(file + ":5:10");
        assertThat(json.path("minimumDurationMillis").asLong()).isEqualTo(346_000); // 34s + bake 1m + 2 x 34s one at a time + bake 2m + 34s + 30s
    }

    @Test
    void anInvalidFileIsReportedLocatedAndNothingIsPlanned() throws Exception {
        Path bad = dataDir.resolve("bad.yaml");
        Files.writeString(bad, """
                services:
                  - {name: a, version: '1', dependsOn: [b], run: {command: [x]}, route: {pathPrefix: /a}}
                  - {name: b, version: '1', dependsOn: [a], run: {command: [x]}, route: {pathPrefix: /b}}
                """);
        assertThat(plan("plan", bad.toString())).isEqualTo(Main.INVALID_INPUT);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains(bad + ":2:").contains("cycle").contains("nothing was started");
    }
}
