package io.glidepath.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class WavesTest {
    static final String SHOP = """
            maxParallel: 3
            verify:
              - {name: checkout, request: {path: /checkout}, expect: {status: 200, bodyContains: ok}}
            services:
              - {name: gateway, version: "2", dependsOn: [catalog, pricing], run: {command: [g]}, route: {pathPrefix: /}}
              - {name: catalog, version: "2", dependsOn: [inventory], run: {command: [c]}, route: {pathPrefix: /catalog}}
              - {name: pricing, version: "2", run: {command: [p]}, route: {pathPrefix: /pricing}}
              - {name: inventory, version: "2", run: {command: [i]}, route: {pathPrefix: /inventory}}
            """;

    @Test
    void servicesGoInWavesAfterEverythingTheyDependOn() throws Exception {
        ReleaseSpec r = ReleaseReader.read("shop.yaml", SHOP);
        assertThat(r.waves()).extracting(w -> w.stream().map(ServiceSpec::name).toList())
                .containsExactly(List.of("pricing", "inventory"), List.of("catalog"), List.of("gateway"));
        assertThat(r.maxParallel()).isEqualTo(3);
        assertThat(r.verify()).singleElement().satisfies(c -> {
            assertThat(c.name()).isEqualTo("checkout");
            assertThat(c.bodyContains()).contains("ok");
            assertThat(c.timeout()).isEqualTo(Duration.ofSeconds(5));
        });
    }

    @Test
    void aServiceWaitsForItsDeepestDependency() {
        DependencyGraph g = DependencyGraph.of(List.of(svc("a"), svc("b", "a"), svc("c", "b"), svc("d", "a", "c"), svc("e")));
        assertThat(g.waves()).containsExactly(List.of("a", "e"), List.of("b"), List.of("c"), List.of("d"));
        assertThat(g.order()).containsExactly("a", "b", "c", "d", "e");
    }

    @Test
    void aThousandServicesAreOrderedQuickly() {
        List<ServiceSpec> many = new java.util.ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            many.add(i == 0 ? svc("s0") : svc("s" + i, "s" + (i / 2), "s" + (i - 1)));
        }
        List<List<String>> waves = DependencyGraph.of(many).waves();
        assertThat(waves).hasSize(1000);
        assertThat(DependencyGraph.of(many).findCycle()).isEmpty();
    }

    @Test
    void badReleaseLevelFieldsAreLocated() {
        assertThat(errors("maxParallel: -1\n" + SHOP.substring(SHOP.indexOf("verify:"))))
                .anyMatch(e -> e.startsWith("r.yaml:1:14: maxParallel: must be between 0 and 1000; got -1"));
        assertThat(errors(SHOP.replace("verify:\n  - {name: checkout, request: {path: /checkout}, expect: {status: 200, bodyContains: ok}}",
                "verify: {name: checkout}"))).anyMatch(e -> e.startsWith("r.yaml:2:9: verify: must be a list of checks through the router"));
        assertThat(errors(SHOP.replace("{name: checkout, request: {path: /checkout}, expect: {status: 200, bodyContains: ok}}",
                "{name: checkout, request: {path: checkout}}"))).anyMatch(e -> e.startsWith("r.yaml:3:38: verify[0].request.path: \"checkout\" is not valid"));
    }

    static List<String> errors(String yaml) {
        try {
            ReleaseReader.read("r.yaml", yaml);
            return List.of();
        } catch (InvalidSpecException e) {
            return e.errors().stream().map(SpecError::toString).toList();
        }
    }

    static ServiceSpec svc(String name, String... deps) {
        try {
            return ReleaseReader.read("x.yaml", "services: [{name: " + name + ", version: '1', run: {command: [x]}, route: {pathPrefix: /" + name + "}}]")
                    .services().get(0).withDependsOn(List.of(deps));
        } catch (InvalidSpecException e) {
            throw new IllegalStateException(e);
        }
    }
}
