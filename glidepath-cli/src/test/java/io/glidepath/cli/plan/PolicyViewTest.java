package io.glidepath.cli.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.glidepath.policy.PolicyReader;
import io.glidepath.spec.ReleaseReader;
import io.glidepath.spec.YamlSource;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What plan and deploy print of a policy's assessment, from the JSON the server answers. */
class PolicyViewTest {
    static final String RELEASE = """
            services:
              - name: catalog
                version: 2.4.0
                run: {command: [java, -jar, build/catalog-2.4.0.jar]}
                route: {pathPrefix: /catalog}
            """;

    @Test
    void windowsApprovalsEvidenceAndRefusals() throws Exception {
        var policy = PolicyReader.read("/etc/glidepath/policy.yaml", """
                windows:
                  - {name: weekend, from: Friday 16:00, to: Monday 08:00, zone: Europe/Berlin}
                approvals:
                  - {name: schema-changes, migration: true, timeout: 4h}
                  - {name: payments, services: [payments]}
                  - {name: catalog-owners, services: [catalog], timeout: 2h}
                evidence:
                  - {name: artifact, checksum: {file: "{{artifact}}"}}
                platform: {executables: [/usr/bin/java]}
                """);
        var spec = ReleaseReader.read("shop.yaml", RELEASE);
        String saturday = "2026-11-28T12:00:00Z";
        var a = policy.assess(spec, Path.of("/srv/shop"), Optional.of(YamlSource.parse("shop.yaml", RELEASE)), Instant.parse(saturday));
        assertThat(PolicyView.lines(a.json())).containsExactly(
                "policy (/etc/glidepath/policy.yaml):",
                "  window   weekend (no releases Friday 16:00 to Monday 08:00 Europe/Berlin): CLOSED now, opens 2026-11-30T07:00:00Z (an admin may "
                        + "override: deploy --override-window --reason ...)",
                "  approval catalog-owners (services catalog): waits for someone else with the deployer role (glidepath approve), at most 120 min",
                "  evidence artifact for catalog: sha256 of build/catalog-2.4.0.jar matches build/catalog-2.4.0.jar.sha256",
                "  REFUSED  shop.yaml:4:21: services[0].run.command: runs java, which this server's policy does not allow (policy "
                        + "/etc/glidepath/policy.yaml:9:11); allowed executables: /usr/bin/java");
    }

    @Test
    void noPolicy() {
        assertThat(PolicyView.lines(io.glidepath.policy.Policy.none().assess(emptySpec(), Path.of("/"), Optional.empty(), Instant.EPOCH).json()))
                .containsExactly("policy: none on this server");
    }

    static io.glidepath.spec.ReleaseSpec emptySpec() {
        try {
            return ReleaseReader.read("r.yaml", "services: [{name: a, version: '1', run: {command: [a]}, route: {pathPrefix: /}}]");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
