package io.glidepath.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FleetReaderTest {
    static final String FLEET_FILE = """
            customers:
              - {name: c01, host: c01.example.test}
              - {name: c02, host: c02.example.test, env: {CHECKOUT_V2: "true"}}
              - {name: c03, host: c03.example.test, replicas: 2}
              - {name: c04, host: c04.example.test}
              - {name: c05, host: c05.example.test}
              - {name: c06, host: c06.example.test}
              - {name: c07, host: c07.example.test}
              - {name: c08, host: c08.example.test}
            """;

    static String release(String fleet) {
        return """
                release: shop-v2
                services:
                  - name: web
                    version: v2
                    run: {command: [java, -jar, web.jar, "{{port}}"], env: {MODE: shared, CHECKOUT_V2: "false"}}
                    route: {pathPrefix: /}
                    fleet:
                %s
                  - name: edge
                    version: 1.0.0
                    dependsOn: [web]
                    run: {command: [edge]}
                    route: {host: edge.example.test}
                """.formatted(fleet.indent(6).stripTrailing());
    }

    static ReleaseSpec read(String fleet) throws InvalidSpecException {
        return ReleaseReader.read("deploy/release.yaml", release(fleet), Includes.of(Map.of("customers.yaml", FLEET_FILE)));
    }

    static List<String> errors(String fleet) {
        try {
            read(fleet);
        } catch (InvalidSpecException e) {
            return e.errors().stream().map(SpecError::toString).toList();
        }
        throw new AssertionError("no errors");
    }

    @Test
    void eachCustomerIsADeploymentWithItsRouteAndOverridesInRings() throws Exception {
        ReleaseSpec spec = read("""
                file: customers.yaml
                maxParallel: 2
                bake: 1m
                rings:
                  - {name: internal, customers: [c01], gate: manual}
                  - {name: early, share: 25%, maxParallel: 1, bake: 2m}
                  - {name: rest}
                failureBudget: {max: 2, then: keep}
                """);
        FleetSpec fleet = spec.fleet("web").orElseThrow();
        assertThat(fleet.file()).contains("customers.yaml");
        assertThat(fleet.rings()).extracting(FleetSpec.Ring::name).containsExactly("internal", "early", "rest");
        assertThat(fleet.rings().get(1).customers()).containsExactly("c02", "c03");
        assertThat(fleet.rings().get(2).customers()).containsExactly("c04", "c05", "c06", "c07", "c08");
        assertThat(fleet.budget()).isEqualTo(new FleetSpec.FailureBudget(2, Optional.empty(), FleetSpec.OnExceeded.KEEP));

        ServiceSpec c02 = spec.service("web.c02").orElseThrow();
        assertThat(c02.route().match().host()).isEqualTo("c02.example.test");
        assertThat(c02.run().env()).containsEntry("CHECKOUT_V2", "true").containsEntry("MODE", "shared");
        assertThat(c02.fleetMember()).contains(new FleetMember("web", "c02", 1, "early"));
        assertThat(c02.location().file()).isEqualTo("deploy/customers.yaml");
        assertThat(spec.service("web.c03").orElseThrow().run().replicas()).isEqualTo(2);
        assertThat(spec.service("web")).isEmpty();
        // the service that depends on the fleet's service waits for every customer
        assertThat(spec.service("edge").orElseThrow().dependsOn()).hasSize(8).contains("web.c01", "web.c08");

        List<Wave> waves = spec.stages();
        assertThat(waves).hasSize(4);
        assertThat(waves.get(0).names()).containsExactly("web.c01");
        assertThat(waves.get(0).gate()).isTrue();
        assertThat(waves.get(0).ring()).contains("internal");
        assertThat(waves.get(0).bakeAfter()).isEqualTo(Duration.ofMinutes(1));
        assertThat(waves.get(1).names()).containsExactly("web.c02", "web.c03");
        assertThat(waves.get(1).maxParallel()).isEqualTo(1);
        assertThat(waves.get(1).bakeAfter()).isEqualTo(Duration.ofMinutes(2));
        assertThat(waves.get(2).maxParallel()).isEqualTo(2);
        assertThat(waves.get(2).bakeAfter()).isZero(); // nothing after the last ring to wait for
        assertThat(waves.get(3).names()).containsExactly("edge");
    }

    @Test
    void theEffectiveConfigurationSaysWhereEachValueCameFrom() throws Exception {
        ReleaseSpec spec = read("file: customers.yaml");
        FleetSpec fleet = spec.fleet("web").orElseThrow();
        Map<String, FleetSpec.Setting> c02 = new HashMap<>();
        fleet.effective(fleet.customer("c02").orElseThrow()).forEach(s -> c02.put(s.field(), s));
        assertThat(c02.get("run.env.CHECKOUT_V2").value()).isEqualTo("true");
        assertThat(c02.get("run.env.CHECKOUT_V2").overridden()).isTrue();
        assertThat(c02.get("run.env.CHECKOUT_V2").from().toString()).isEqualTo("deploy/customers.yaml:3:60");
        assertThat(c02.get("run.env.MODE").overridden()).isFalse();
        assertThat(c02.get("run.env.MODE").from().file()).isEqualTo("deploy/release.yaml");
        assertThat(c02.get("route.host").value()).isEqualTo("c02.example.test");
        assertThat(c02.get("run.replicas").value()).isEqualTo("1");
        assertThat(fleet.rings()).singleElement().satisfies(r -> assertThat(r.customers()).hasSize(8));
        assertThat(fleet.budget()).isEqualTo(FleetSpec.FailureBudget.NONE);
    }

    @Test
    void customersMayBeInline() throws Exception {
        ReleaseSpec spec = read("""
                customers:
                  - {name: a, host: a.example.test}
                  - {name: b, host: b.example.test}
                failureBudget: {max: 50%}
                """);
        assertThat(spec.services()).extracting(ServiceSpec::name).containsExactly("web.a", "web.b", "edge");
        assertThat(spec.fleet("web").orElseThrow().budget().allowed(2)).isEqualTo(1);
        assertThat(spec.fleet("web").orElseThrow().file()).isEmpty();
    }

    @Test
    void conflictsAndUnknownOverridesAreLocated() {
        assertThat(errors("""
                customers:
                  - {name: a, host: a.example.test}
                  - {name: b, host: a.example.test, replica: 2}
                  - {name: a, host: c.example.test}
                """)).containsExactly(
                "deploy/release.yaml:10:43: services[0].fleet.customers[1].replica: unknown field \"replica\"; did you mean \"replicas\"?",
                "deploy/release.yaml:11:11: services[0].fleet.customers[2].name: customer 'a' appears twice (first at line 9); "
                        + "give each customer a name of its own");
        assertThat(errors("""
                customers:
                  - {name: a, host: a.example.test}
                  - {name: b, host: a.example.test}
                """)).containsExactly("deploy/release.yaml:10:27: services[0].fleet.customers[1].host: customer 'a' (line 9) already takes host "
                + "a.example.test and path prefix /; give each customer its own host (or path prefix)");
    }

    @Test
    void aFleetFilesErrorsNameTheFleetFile() throws Exception {
        String bad = """
                customers:
                  - {name: c01, host: c01.example.test}
                  - {name: c02, host: "not a host"}
                """;
        assertThatThrownBy(() -> ReleaseReader.read("deploy/release.yaml", release("file: customers.yaml"), Includes.of(Map.of("customers.yaml", bad))))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessage("deploy/customers.yaml:3:23: customers[1].host: \"not a host\" is not valid: use a host name such as c01.example.com "
                        + "or *.c01.example.com");
        assertThat(errors("file: missing.yaml")).singleElement().asString()
                .startsWith("deploy/release.yaml:8:13: services[0].fleet.file: no fleet file missing.yaml beside the release file");
        assertThat(errors("file: ../secrets.yaml")).singleElement().asString().contains("must be a path relative to the release file's folder, inside it");
        assertThatThrownBy(() -> ReleaseReader.read("release.yaml", release("file: customers.yaml")))
                .hasMessageContaining("cannot be read: files beside the release file cannot be read here");
    }

    @Test
    void ringsAreChecked() {
        assertThat(errors("""
                file: customers.yaml
                rings:
                  - {name: one, customers: [c01, c0x]}
                  - {name: two, customers: [c01], share: 10%}
                  - {name: mid}
                  - {name: one, customers: [c02], gate: yes}
                """)).containsExactly(
                "deploy/release.yaml:10:40: services[0].fleet.rings[0].customers[1]: no customer 'c0x' in this fleet: did you mean 'c01'?",
                "deploy/release.yaml:11:48: services[0].fleet.rings[1].share: a ring names its customers or takes a share of the fleet, not both: remove one",
                "deploy/release.yaml:12:11: services[0].fleet.rings[2]: names no customers and takes no share: only the last ring takes the rest; "
                        + "give this one customers: [...] or share: 25%",
                "deploy/release.yaml:13:18: services[0].fleet.rings[3].name: ring 'one' appears twice; give each ring a name of its own",
                "deploy/release.yaml:13:47: services[0].fleet.rings[3].gate: must be manual (the release waits for glidepath promote before this ring), "
                        + "or left out; got the text \"yes\"");
        assertThat(errors("""
                file: customers.yaml
                rings: [{name: first, customers: [c01, c02]}]
                """)).singleElement().asString().isEqualTo("deploy/release.yaml:9:14: services[0].fleet.rings: customers in no ring: "
                + "c03, c04, c05, c06, c07 and 1 more; add a last ring without customers or share ({name: rest}), which takes the rest");
        assertThat(errors("""
                file: customers.yaml
                failureBudget: {max: 9, then: later}
                """)).containsExactly(
                "deploy/release.yaml:9:28: services[0].fleet.failureBudget.max: must be between 0 and 8; got 9",
                "deploy/release.yaml:9:37: services[0].fleet.failureBudget.then: must be rollback (every customer updated goes back) or keep (they keep "
                        + "the new version; the release stops); got the text \"later\"");
    }

    @Test
    void aCustomerMayNotTakeAnotherServicesRouteNorOverrideResourcesWithoutAnImage() {
        assertThat(errors("""
                customers:
                  - {name: a, host: a.example.test}
                  - {name: b, host: b.example.test, resources: {cpu: 1}}
                """)).containsExactly(
                "deploy/release.yaml:10:54: services[0].fleet.customers[1].resources: overrides the service's run.resources, which go with run.image "
                        + "(a container): the service has no image, so leave resources out");
        assertThat(errors("""
                customers:
                  - {name: a, host: edge.example.test}
                """)).containsExactly(
                "deploy/release.yaml:10:5: services[1].route: customer 'a' of web already takes host edge.example.test and path prefix /; "
                        + "give each service its own host or prefix");
    }
}
