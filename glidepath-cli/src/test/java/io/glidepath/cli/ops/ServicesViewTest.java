package io.glidepath.cli.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.journal.EventJson;
import org.junit.jupiter.api.Test;

/** {@code glidepath status} with a fleet: customers grouped under their service, one fleet or one customer on request. */
class ServicesViewTest {
    /** As {@code GET /v1/services} answers: shop on its own, and the fleet web's customers web.c01 to web.c05. */
    static JsonNode services() throws Exception {
        return EventJson.MAPPER.readTree("""
                [{"name": "shop", "currentVersion": "v3", "previousVersion": "v2", "lastRelease": "r1",
                  "instances": [{"id": "shop-1", "version": "v3", "address": "127.0.0.1:4001", "pid": 11, "log": "/d/shop-1.log"}],
                  "route": {"canaryWeight": 0, "stable": "v3", "canary": null, "preview": null, "generation": 4}},
                 {"name": "web.c01", "currentVersion": "v2", "previousVersion": "v1", "lastRelease": "r2",
                  "instances": [{"id": "web.c01-1", "version": "v2", "address": "127.0.0.1:5001", "pid": 21, "log": "/d/web.c01-1.log"}],
                  "route": {"canaryWeight": 0, "stable": "v2", "canary": null, "preview": null, "generation": 2}},
                 {"name": "web.c02", "currentVersion": "v2", "previousVersion": "v1", "lastRelease": "r2",
                  "instances": [{"id": "web.c02-1", "version": "v2", "address": "127.0.0.1:5002", "pid": 22, "log": "/d/web.c02-1.log"}],
                  "route": {"canaryWeight": 0, "stable": "v2", "canary": null, "preview": null, "generation": 2}},
                 {"name": "web.c03", "currentVersion": "v1", "lastRelease": "r0",
                  "instances": [{"id": "web.c03-1", "version": "v1", "address": "127.0.0.1:5003", "pid": 23, "log": "/d/web.c03-1.log"},
                                {"id": "web.c03-2", "version": "v1", "address": "127.0.0.1:5013", "pid": 33, "log": "/d/web.c03-2.log"}],
                  "route": {"canaryWeight": 0, "stable": "v1", "canary": null, "preview": null, "generation": 1}},
                 {"name": "web.c04", "currentVersion": "v2", "previousVersion": "v1", "lastRelease": "r2", "heldBy": "r3",
                  "instances": [{"id": "web.c04-1", "version": "v2", "address": "127.0.0.1:5004", "pid": 24, "log": "/d/web.c04-1.log"},
                                {"id": "web.c04-2", "version": "v3", "address": "127.0.0.1:5014", "pid": 34, "log": "/d/web.c04-2.log"}],
                  "route": {"canaryWeight": 2000, "stable": "v2", "canary": "v3", "preview": null, "generation": 5}},
                 {"name": "web.c05", "currentVersion": "v2", "previousVersion": "v1", "lastRelease": "r2",
                  "instances": [{"id": "web.c05-1", "version": "v2", "address": "127.0.0.1:5005", "pid": 25, "log": "/d/web.c05-1.log"}],
                  "route": {"canaryWeight": 0, "stable": "v2", "canary": null, "preview": null, "generation": 2}}]""");
    }

    @Test
    void aFleetIsOneLineOfVersionCountsUnderItsService() throws Exception {
        assertThat(ServicesView.table(ServicesView.select(services(), null), false)).containsExactly(
                "SERVICE          CURRENT      PREVIOUS     TRAFFIC                INSTANCES",
                "shop             v3           v2           100% v3                1",
                "web              fleet of 5 customers: 4 on v2, 1 on v1 (c03); 1 in a canary; 7 instances; deploying: r3");
    }

    @Test
    void namingTheFleetShowsEachCustomerAndNamingACustomerShowsItAlone() throws Exception {
        assertThat(ServicesView.table(ServicesView.select(services(), "web"), true)).hasSize(6)
                .contains("web.c04          v2           v1           v2 80% / v3 20%        2   deploying: r3");
        assertThat(ServicesView.select(services(), "web.c03")).singleElement().satisfies(c -> assertThat(ServicesView.detail(c)).containsExactly(
                "SERVICE          CURRENT      PREVIOUS     TRAFFIC                INSTANCES",
                "web.c03          v1           -            100% v1                2",
                "customer c03 of fleet web",
                "  instance web.c03-1  v1  127.0.0.1:5003  pid 23  log /d/web.c03-1.log",
                "  instance web.c03-2  v1  127.0.0.1:5013  pid 33  log /d/web.c03-2.log"));
        assertThat(ServicesView.select(services(), "shop")).hasSize(1);
        assertThat(ServicesView.select(services(), "we")).isEmpty();
        assertThat(ServicesView.names(services())).containsExactly("shop", "web (fleet; or web.CUSTOMER)");
    }

    @Test
    void theFleetsInJsonSayWhichCustomerRunsWhichVersion() throws Exception {
        JsonNode fleet = ServicesView.fleetsJson(services()).get(0);
        assertThat(fleet.toString()).isEqualTo("{\"service\":\"web\",\"customers\":5,\"versions\":{\"v2\":[\"c01\",\"c02\",\"c04\",\"c05\"],"
                + "\"v1\":[\"c03\"]},\"inCanary\":1,\"heldBy\":[\"r3\"]}");
        assertThat(ServicesView.fleetsJson(ServicesView.select(services(), "shop")).isEmpty()).isTrue();
    }

    @Test
    void aReleaseInProgressCountsAFleetsCustomersPerWave() throws Exception {
        JsonNode phases = EventJson.MAPPER.readTree("""
                {"web.c01": {"wave": 1, "phase": "DONE"},
                 "web.c02": {"wave": 2, "phase": "DONE"}, "web.c03": {"wave": 2, "phase": "SHIFTING"}, "web.c04": {"wave": 2, "phase": "PENDING"},
                 "edge": {"wave": 3, "phase": "PENDING"}}""");
        assertThat(ServicesView.releasePhases(phases)).containsExactly(
                "  wave 1  web              1 customer: 1 promoted",
                "  wave 2  web              3 customers: 1 promoted, 1 shifting, 1 waiting",
                "  wave 3  edge             waiting");
    }
}
