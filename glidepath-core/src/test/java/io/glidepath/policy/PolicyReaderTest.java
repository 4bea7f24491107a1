package io.glidepath.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.glidepath.risk.RiskLevel;
import io.glidepath.spec.ReleaseReader;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.spec.SpecError;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyReaderTest {

    static final String GOOD = """
            windows:
              - name: weekend
                from: Friday 16:00
                to: Monday 08:00
                zone: Europe/Berlin
              - name: payments-night
                services: [payments]
                from: "22:00"
                to: "06:00"
                zone: America/New_York
            approvals:
              - name: schema-changes
                migration: true
                timeout: 4h
              - name: payments
                services: [payments]
            evidence:
              - name: artifact
                checksum: {file: "{{artifact}}"}
              - name: no-critical
                services: [catalog]
                vulnerabilities: {file: "reports/{{service}}-{{version}}.json", maxSeverity: high}
              - name: tests
                command: {run: [./check.sh, "{{version}}"], timeout: 30s}
            platform:
              executables: [java, /usr/lib/jvm/*/bin/java]
              workdirs: [/srv/releases]
            """;

    @Test
    void readsEveryKindOfRule() throws Exception {
        Policy p = PolicyReader.read("policy.yaml", GOOD);
        assertThat(p.windows()).hasSize(2);
        DeployWindow w = p.windows().get(0);
        assertThat(w.fromDay()).contains(DayOfWeek.FRIDAY);
        assertThat(w.toTime()).isEqualTo(LocalTime.of(8, 0));
        assertThat(w.zone()).isEqualTo(ZoneId.of("Europe/Berlin"));
        assertThat(w.services()).containsExactly("*");
        assertThat(p.windows().get(1).fromDay()).isEmpty();
        assertThat(p.approvals()).extracting(ApprovalRule::name, ApprovalRule::migration, ApprovalRule::timeout)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("schema-changes", true, Duration.ofHours(4)),
                        org.assertj.core.groups.Tuple.tuple("payments", false, Duration.ofHours(24)));
        assertThat(p.evidence()).extracting(EvidenceRule::kind).containsExactly("checksum", "vulnerabilities", "command");
        assertThat(p.evidence().get(1).maxSeverity()).isEqualTo(Severity.HIGH);
        assertThat(p.evidence().get(2).timeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(p.platform()).hasValueSatisfying(l -> {
            assertThat(l.executables()).containsExactly("java", "/usr/lib/jvm/*/bin/java");
            assertThat(l.workdirs()).containsExactly("/srv/releases");
        });
    }

    @Test
    void everyErrorAtOnceLocatedWithAHint() {
        String bad = """
                windows:
                  - name: weekend
                    form: Friday 16:00
                    to: Mondy 08:00
                    zone: Europe/Berln
                approvals:
                  - name: p
                    migration: yes please
                    timeout: soon
                evidence:
                  - name: scan
                    vulnerabilities: {file: r.json, maxSeverity: hihg}
                  - name: two
                    checksum: {file: a.jar}
                    command: {run: [true]}
                platform:
                  executables: [bin/java]
                  workdir: [/srv]
                """;
        assertThatThrownBy(() -> PolicyReader.read("policy.yaml", bad)).isInstanceOfSatisfying(InvalidPolicyException.class, e -> {
            List<String> errors = e.errors().stream().map(SpecError::toString).toList();
            assertThat(errors).anySatisfy(s -> assertThat(s).startsWith("policy.yaml:3:5: windows[0].form: unknown field \"form\"; did you mean \"from\"?"));
            assertThat(errors).anySatisfy(s -> assertThat(s).startsWith("policy.yaml:4:9: windows[0].to: \"Mondy\" is not a day; did you mean \"Monday\"?"));
            assertThat(errors).anySatisfy(s -> assertThat(s).startsWith("policy.yaml:5:11: windows[0].zone: \"Europe/Berln\" is not a time zone; did you mean \"Europe/Berlin\"?"));
            assertThat(errors).anySatisfy(s -> assertThat(s).startsWith("policy.yaml:8:16: approvals[0].migration: must be true"));
            assertThat(errors).anySatisfy(s -> assertThat(s).startsWith("policy.yaml:9:14: approvals[0].timeout: must be a duration"));
            assertThat(errors).anySatisfy(s -> assertThat(s).contains("evidence[0].vulnerabilities.maxSeverity: \"hihg\" is not a severity; did you mean \"high\"?"));
            assertThat(errors).anySatisfy(s -> assertThat(s).contains("evidence[1]: has checksum and command: give each check its own entry"));
            assertThat(errors).anySatisfy(s -> assertThat(s).startsWith("policy.yaml:17:17: platform.executables[0]: a path must be absolute"));
            assertThat(errors).anySatisfy(s -> assertThat(s).startsWith("policy.yaml:18:3: platform.workdir: unknown field \"workdir\"; did you mean \"workdirs\"?"));
            assertThat(e.getMessage()).startsWith("the policy file policy.yaml has " + errors.size() + " errors:");
        });
    }

    @Test
    void anApprovalRuleMayHoldReleasesFromARiskLevelUp() throws Exception {
        Policy p = PolicyReader.read("policy.yaml", """
                risk: {zone: Europe/Berlin}
                approvals:
                  - {name: risky, risk: high}
                  - {name: payments-risky, services: [payments], risk: medium, timeout: 2h}
                """);
        assertThat(p.teamZone()).isEqualTo(ZoneId.of("Europe/Berlin"));
        assertThat(p.approvals()).extracting(ApprovalRule::risk)
                .containsExactly(java.util.Optional.of(RiskLevel.HIGH), java.util.Optional.of(RiskLevel.MEDIUM));
        assertThat(p.approvals().get(1).describe()).isEqualTo("payments-risky (services payments; risk medium or higher)");
        ReleaseSpec payments = ReleaseReader.read("r.yaml",
                "services: [{name: payments, version: '2', run: {command: [pay]}, route: {pathPrefix: /pay}}]");
        java.nio.file.Path dir = java.nio.file.Path.of("/srv");
        java.time.Instant now = java.time.Instant.EPOCH;
        assertThat(p.assess(payments, dir, java.util.Optional.empty(), now, java.util.Optional.of(RiskLevel.LOW)).approvals()).isEmpty();
        assertThat(p.assess(payments, dir, java.util.Optional.empty(), now, java.util.Optional.of(RiskLevel.MEDIUM)).approvals())
                .extracting(ApprovalRule::name).containsExactly("payments-risky");
        assertThat(p.assess(payments, dir, java.util.Optional.empty(), now, java.util.Optional.of(RiskLevel.HIGH)).approvals())
                .extracting(ApprovalRule::name).containsExactly("risky", "payments-risky");
        assertThat(p.assess(payments, dir, java.util.Optional.empty(), now, java.util.Optional.of(RiskLevel.HIGH)).json().path("approvals")
                .get(0).path("risk").asText()).isEqualTo("high");
    }

    @Test
    void aRiskLevelThatIsNoneIsRefusedWhereItIsWritten() {
        String bad = """
                risk:
                  zone: Europe/Berln
                  hours: 9-17
                approvals:
                  - name: risky
                    risk: hihg
                  - name: odd
                    risk: [high]
                """;
        assertThatThrownBy(() -> PolicyReader.read("policy.yaml", bad)).isInstanceOfSatisfying(InvalidPolicyException.class, e -> {
            List<String> errors = e.errors().stream().map(SpecError::toString).toList();
            assertThat(errors).containsExactly(
                    "policy.yaml:2:9: risk.zone: \"Europe/Berln\" is not a time zone; did you mean \"Europe/Berlin\"?",
                    "policy.yaml:3:3: risk.hours: unknown field \"hours\"; known fields here: zone",
                    "policy.yaml:6:11: approvals[0].risk: \"hihg\" is not a risk level; did you mean \"high\"? (the rule holds releases at that "
                            + "level or higher)",
                    "policy.yaml:8:11: approvals[1].risk: must be text; got a list");
        });
    }

    @Test
    void theTeamsZoneIsTheWindowsOneWhenTheyAgreeElseUtc() throws Exception {
        assertThat(PolicyReader.read("p.yaml", "windows: [{name: w, from: '22:00', to: '06:00', zone: Asia/Tokyo}]").teamZone())
                .isEqualTo(ZoneId.of("Asia/Tokyo"));
        assertThat(PolicyReader.read("p.yaml", GOOD).teamZone()).isEqualTo(java.time.ZoneOffset.UTC);
        assertThat(Policy.none().teamZone()).isEqualTo(java.time.ZoneOffset.UTC);
    }

    @Test
    void theExamplePolicyReads() throws Exception {
        Policy p = PolicyReader.read(java.nio.file.Path.of("../examples/policy/policy.yaml"));
        assertThat(p.windows()).hasSize(2);
        assertThat(p.approvals()).hasSize(3);
        assertThat(p.approvals().get(2).risk()).contains(RiskLevel.HIGH);
        assertThat(p.teamZone()).isEqualTo(ZoneId.of("Europe/Berlin"));
        assertThat(p.evidence()).hasSize(3);
        assertThat(p.platform()).isPresent();
    }

    @Test
    void anEmptyFileIsAPolicyWithNoRule() throws Exception {
        assertThat(PolicyReader.read("policy.yaml", "# nothing yet\n").isEmpty()).isTrue();
    }
}
