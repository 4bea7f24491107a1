package io.glidepath.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.glidepath.spec.ReleaseReader;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.spec.SpecError;
import io.glidepath.spec.YamlSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Evidence checks passing and failing on real files and processes; what a policy's platform limits refuse, located. */
class EvidenceAndLimitsTest {
    @TempDir
    Path dir;

    static final String RELEASE = """
            services:
              - name: catalog
                version: 2.4.0
                run: {command: [java, -jar, build/catalog-2.4.0.jar]}
                route: {pathPrefix: /catalog}
              - name: pricing
                version: 1.1.0
                run:
                  command: [./bin/pricing, --port, "{{port}}"]
                  workdir: pricing
                route: {pathPrefix: /pricing}
            """;

    static ReleaseSpec spec() throws Exception {
        return ReleaseReader.read("shop.yaml", RELEASE);
    }

    static Policy policy(String yaml) throws Exception {
        return PolicyReader.read("policy.yaml", yaml);
    }

    @Test
    void aChecksumOfTheArtifactTheCommandNamesPassesAgainstItsSha256FileAndFailsWhenTheJarChanged() throws Exception {
        Files.createDirectories(dir.resolve("build"));
        Path jar = Files.writeString(dir.resolve("build/catalog-2.4.0.jar"), "the jar CI built");
        String digest = Evidence.sha256(jar);
        Files.writeString(dir.resolve("build/catalog-2.4.0.jar.sha256"), digest + "  catalog-2.4.0.jar\n");
        List<EvidenceCheck> checks = policy("evidence: [{name: artifact, services: [catalog], checksum: {file: \"{{artifact}}\", "
                + "sha256File: \"{{artifact}}.sha256\"}}]").assess(spec(), dir, Optional.empty(), Instant.EPOCH).evidence();
        assertThat(checks).singleElement().satisfies(c -> {
            assertThat(c.file()).isEqualTo("build/catalog-2.4.0.jar");
            assertThat(c.label()).isEqualTo("artifact for catalog");
        });
        assertThat(Evidence.run(checks.get(0), dir)).satisfies(r -> {
            assertThat(r.passed()).isTrue();
            assertThat(r.detail()).contains(digest, "as expected");
        });

        Files.writeString(jar, "a jar swapped after the build");
        assertThat(Evidence.run(checks.get(0), dir)).satisfies(r -> {
            assertThat(r.passed()).isFalse();
            assertThat(r.detail()).contains("expected " + digest, "not the one that was built");
        });
        Files.delete(jar);
        assertThat(Evidence.run(checks.get(0), dir).detail()).startsWith("no such file: " + dir.resolve("build/catalog-2.4.0.jar"));
    }

    @Test
    void aTrivyReportPassesWithNothingAboveTheSeverityAndFailsNamingTheFindings() throws Exception {
        Files.createDirectories(dir.resolve("reports"));
        String report = """
                {"SchemaVersion": 2, "ArtifactName": "build/catalog-2.4.0.jar", "Results": [
                  {"Target": "catalog-2.4.0.jar", "Class": "lang-pkgs", "Vulnerabilities": [
                    {"VulnerabilityID": "CVE-2024-0001", "PkgName": "jackson-databind", "InstalledVersion": "2.9.0", "Severity": "MEDIUM"},
                    {"VulnerabilityID": "CVE-2021-44228", "PkgName": "log4j-core", "InstalledVersion": "2.14.1", "Severity": "%s"}]}]}
                """;
        Files.writeString(dir.resolve("reports/catalog-2.4.0.json"), report.formatted("HIGH"));
        List<EvidenceCheck> checks = policy("evidence: [{name: scan, services: [catalog], vulnerabilities: {file: "
                + "\"reports/{{service}}-{{version}}.json\", maxSeverity: high}}]").assess(spec(), dir, Optional.empty(), Instant.EPOCH).evidence();
        assertThat(Evidence.run(checks.get(0), dir)).isEqualTo(new Evidence.Result(true, "2 findings in " + dir.resolve("reports/catalog-2.4.0.json")
                + ", none above high"));

        Files.writeString(dir.resolve("reports/catalog-2.4.0.json"), report.formatted("CRITICAL"));
        assertThat(Evidence.run(checks.get(0), dir)).satisfies(r -> {
            assertThat(r.passed()).isFalse();
            assertThat(r.detail()).contains("1 finding above high", "CVE-2021-44228 (CRITICAL, log4j-core 2.14.1)").doesNotContain("CVE-2024-0001");
        });

        Files.writeString(dir.resolve("reports/catalog-2.4.0.json"), "{\"not\": \"trivy\"}");
        assertThat(Evidence.run(checks.get(0), dir).detail()).contains("is not a Trivy JSON report");
    }

    @Test
    void aCommandMustExitZeroWithinItsTimeoutAndItsOutputIsKeptShort() throws Exception {
        Policy p = policy("evidence: [{name: tests, command: {run: [sh, -c, 'echo checking $0; exit $1', \"{{version}}\", \"0\"], timeout: 20s}}]");
        List<EvidenceCheck> checks = p.assess(spec(), dir, Optional.empty(), Instant.EPOCH).evidence();
        assertThat(checks).as("one per service: the version differs").hasSize(2);
        assertThat(Evidence.run(checks.get(0), dir)).satisfies(r -> {
            assertThat(r.passed()).isTrue();
            assertThat(r.detail()).endsWith("exited 0; its output ends: checking 2.4.0");
        });

        EvidenceCheck failing = p.evidence().get(0).resolve(spec()).get(0);
        failing = new EvidenceCheck(failing.rule(), "command", null, null, null, null, null, List.of("sh", "-c", "seq 1 5000; exit 3"), 20_000);
        assertThat(Evidence.run(failing, dir)).satisfies(r -> {
            assertThat(r.passed()).isFalse();
            assertThat(r.detail()).contains("exited 3; its output ends: ...").endsWith("4999 5000");
            assertThat(r.detail().length()).isLessThan(Evidence.OUTPUT_KEPT + 100);
        });

        EvidenceCheck slow = new EvidenceCheck("slow", "command", null, null, null, null, null, List.of("sleep", "30"), 300);
        assertThat(Evidence.run(slow, dir)).satisfies(r -> {
            assertThat(r.passed()).isFalse();
            assertThat(r.detail()).contains("did not end within 0.3s and was killed");
        });
        assertThat(Evidence.run(new EvidenceCheck("x", "command", null, null, null, null, null, List.of("no-such-program-here"), 1000), dir).detail())
                .startsWith("cannot run no-such-program-here");
    }

    @Test
    void platformLimitsRefuseAnExecutableOrWorkdirOutsideThePolicyAtTheCommandsLocation() throws Exception {
        Policy p = policy("platform: {executables: [java], workdirs: [" + dir + "]}");
        Assessment a = p.assess(spec(), dir, Optional.of(YamlSource.parse("shop.yaml", RELEASE)), Instant.EPOCH);
        assertThat(a.forbidden()).extracting(SpecError::toString).singleElement().satisfies(s -> assertThat(s)
                .startsWith("shop.yaml:9:17: services[1].run.command: runs ./bin/pricing (" + dir.resolve("pricing/bin/pricing") + "), which this "
                        + "server's policy does not allow").contains("allowed executables: java"));

        Policy paths = policy("platform: {executables: [java, \"" + dir + "/*/bin/*\"], workdirs: [/srv/releases]}");
        Assessment b = paths.assess(spec(), dir, Optional.of(YamlSource.parse("shop.yaml", RELEASE)), Instant.EPOCH);
        assertThat(b.forbidden()).extracting(SpecError::toString).containsExactly(
                "shop.yaml:4:21: services[0].run.command: runs in " + dir + ", outside the working directories this server's policy allows "
                        + "(policy policy.yaml:1:11): /srv/releases",
                "shop.yaml:10:16: services[1].run.workdir: runs in " + dir.resolve("pricing") + ", outside the working directories this server's policy "
                        + "allows (policy policy.yaml:1:11): /srv/releases");
    }
}
