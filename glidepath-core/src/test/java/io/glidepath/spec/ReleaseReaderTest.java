package io.glidepath.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.glidepath.route.RouteMatch;
import io.glidepath.route.Stickiness;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReleaseReaderTest {
    static final String MINIMAL = """
            services:
              - name: catalog
                version: 2.4.0
                run: {command: [java, -jar, app.jar]}
                route: {pathPrefix: /catalog}
            """;

    @Test
    void readsAFullReleaseFile() throws Exception {
        ReleaseSpec r = ReleaseReader.read("shop.yaml", """
                release: shop-42
                services:
                  - name: inventory
                    version: 1.3.0
                    run:
                      command: [java, -jar, "inventory-{{version}}.jar", --port, "{{port}}"]
                    route: {pathPrefix: /inventory}
                  - name: catalog
                    version: 2.4.0
                    dependsOn: [inventory]
                    run:
                      command: [java, -jar, build/catalog-2.4.0.jar]
                      env: { PORT: "{{port}}", DB_URL: "{{env.CATALOG_DB}}", THREADS: 8 }
                      workdir: /srv/catalog
                      replicas: 2
                      stopGrace: 20s
                    route: { host: Catalog.Example.com, pathPrefix: /catalog, sticky: {mode: header, name: X-User-Id}, shield: false, drainTimeout: 10s,
                             https: {redirect: true, hsts: {maxAge: 8760h, includeSubDomains: true}} }
                    readiness: { path: /ready, interval: 250ms, timeout: 1s, healthyAfter: 3, deadline: 90s }
                    smoke:
                      - { name: products, request: { method: get, path: /products, headers: {Accept: application/json} }, expect: { status: 200, bodyContains: sku } }
                      - { name: create, request: { method: POST, path: /products, body: "{}" }, expect: { status: 201 }, timeout: 2s }
                    strategy: canary
                    steps: [ {weight: 5}, {bake: 30s}, {weight: 25%}, {pause: manual}, {weight: 0.5}, {bake: 1m} ]
                    analysis:
                      interval: 2s
                      minRequests: 100
                      failAfter: 3
                      postPromotion: 1m
                      rules:
                        - errorRate: { max: 1%, maxIncrease: 0.5% }
                        - latency: { percentile: 99.9, max: 300ms }
                    keepPrevious: 10m
                """.replace("{weight: 0.5}", "{weight: 50}"));
        assertThat(r.name()).contains("shop-42");
        assertThat(r.services()).extracting(ServiceSpec::name).containsExactly("inventory", "catalog");
        ServiceSpec c = r.service("catalog").orElseThrow();
        assertThat(c.version()).isEqualTo("2.4.0");
        assertThat(c.dependsOn()).containsExactly("inventory");
        assertThat(c.run()).usingRecursiveComparison().ignoringFields("location").isEqualTo(new RunSpec(List.of("java", "-jar", "build/catalog-2.4.0.jar"),
                Map.of("PORT", "{{port}}", "DB_URL", "{{env.CATALOG_DB}}", "THREADS", "8"), Optional.of("/srv/catalog"), 2, Duration.ofSeconds(20)));
        assertThat(c.route()).isEqualTo(new ServiceRoute(new RouteMatch("catalog.example.com", "/catalog"), Stickiness.header("X-User-Id"),
                false, Duration.ofSeconds(10), new io.glidepath.route.HttpsPolicy(true, Optional.of(Duration.ofHours(8760)), true)));
        assertThat(c.readiness()).isEqualTo(new Readiness("/ready", Duration.ofMillis(250), Duration.ofSeconds(1), 3, Duration.ofSeconds(90)));
        assertThat(c.smoke()).containsExactly(
                new HttpCheck("products", "GET", "/products", Map.of("Accept", "application/json"), Optional.empty(), 200, Optional.of("sku"), Duration.ofSeconds(5)),
                new HttpCheck("create", "POST", "/products", Map.of(), Optional.of("{}"), 201, Optional.empty(), Duration.ofSeconds(2)));
        assertThat(c.strategy()).isEqualTo(Strategy.CANARY);
        assertThat(c.steps()).containsExactly(new Step.Weight(500), new Step.Bake(Duration.ofSeconds(30)), new Step.Weight(2500),
                new Step.ManualPause(), new Step.Weight(5000), new Step.Bake(Duration.ofMinutes(1)));
        assertThat(c.analysis()).isEqualTo(new Analysis(Duration.ofSeconds(2), 100, 3, Duration.ofMinutes(1), List.of(
                new Analysis.Rule.ErrorRate(Optional.of(0.01), Optional.of(0.005)),
                new Analysis.Rule.Latency(99.9, Duration.ofMillis(300)))));
        assertThat(c.keepPrevious()).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.location()).isEqualTo(new Location("shop.yaml", 8, 5));
    }

    @Test
    void fillsDefaultsForWhatTheFileLeavesOut() throws Exception {
        ServiceSpec s = ReleaseReader.read("r.yaml", MINIMAL).services().get(0);
        assertThat(s.dependsOn()).isEmpty();
        assertThat(s.run().replicas()).isEqualTo(1);
        assertThat(s.run().stopGrace()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.run().workdir()).isEmpty();
        assertThat(s.route().sticky()).isEqualTo(Stickiness.cookie());
        assertThat(s.route().shield()).isTrue();
        assertThat(s.readiness()).isEqualTo(ReleaseReader.DEFAULT_READINESS);
        assertThat(s.smoke()).isEmpty();
        assertThat(s.strategy()).isEqualTo(Strategy.CANARY);
        assertThat(s.steps()).isEqualTo(ReleaseReader.DEFAULT_STEPS);
        assertThat(s.analysis().rules()).containsExactly(ReleaseReader.DEFAULT_RULE);
        assertThat(s.keepPrevious()).isEqualTo(Duration.ofMinutes(5));
        assertThat(ReleaseReader.read("r.yaml", MINIMAL).name()).isEmpty();
    }

    @Test
    void aBlueGreenServiceHasNoSteps() throws Exception {
        ServiceSpec s = ReleaseReader.read("r.yaml", MINIMAL + "    strategy: blueGreen\n").services().get(0);
        assertThat(s.strategy()).isEqualTo(Strategy.BLUE_GREEN);
        assertThat(s.steps()).isEmpty();
    }

    @Test
    void anAutoStrategyIsResolvedOnlyByWhatWasChosenForIt() throws Exception {
        ReleaseSpec r = ReleaseReader.read("r.yaml", MINIMAL + "    strategy: auto\n");
        assertThat(r.services().get(0).strategy()).isEqualTo(Strategy.AUTO);
        assertThat(r.services().get(0).steps()).isEmpty();
        assertThat(r.autoServices()).containsExactly(r.services().get(0).name());
        assertThatThrownBy(() -> r.withChosenStrategies(java.util.Map.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("strategy: auto is not resolved for " + r.services().get(0).name());
        ChosenStrategy canary = new ChosenStrategy(Strategy.CANARY, java.util.List.of(500, 2500), java.time.Duration.ofMinutes(2), "high", 0.4, "risky");
        ServiceSpec s = r.withChosenStrategies(java.util.Map.of(r.services().get(0).name(), canary)).services().get(0);
        assertThat(s.strategy()).isEqualTo(Strategy.CANARY);
        assertThat(s.steps()).containsExactly(new Step.Weight(500), new Step.Bake(java.time.Duration.ofMinutes(2)), new Step.Weight(2500),
                new Step.Bake(java.time.Duration.ofMinutes(2)));
        assertThat(canary.describe()).isEqualTo("canary 5% / 25% with 2m bakes");
    }

    @Test
    void aGrpcServiceSpeaksH2cAndIsReadyByTheGrpcHealthService() throws Exception {
        String h2c = MINIMAL.replace("run: {command: [java, -jar, app.jar]}", "run: {command: [java, -jar, app.jar], protocol: h2c}");
        ServiceSpec byDefault = ReleaseReader.read("r.yaml", h2c).services().get(0);
        assertThat(byDefault.run().protocol()).isEqualTo(io.glidepath.route.BackendProtocol.H2C);
        assertThat(byDefault.readiness().grpcService()).as("the whole server's health unless told").contains("");
        assertThat(byDefault.readiness().describe()).isEqualTo("gRPC health check");
        ServiceSpec named = ReleaseReader.read("r.yaml", h2c + "    readiness: {grpc: shop.Cart, interval: 100ms}\n").services().get(0);
        assertThat(named.readiness().grpcService()).contains("shop.Cart");
        assertThat(named.readiness().interval()).isEqualTo(Duration.ofMillis(100));
        ServiceSpec plain = ReleaseReader.read("r.yaml", MINIMAL).services().get(0);
        assertThat(plain.run().protocol()).isEqualTo(io.glidepath.route.BackendProtocol.HTTP1);
        assertThat(plain.readiness().grpcService()).isEmpty();
        assertThat(plain.readiness().describe()).isEqualTo("GET /health");
    }

    @Test
    void mirrorStepsComeFirstAndTheRouteMayAllowEveryMethod() throws Exception {
        ServiceSpec s = ReleaseReader.read("r.yaml", MINIMAL.replace("route: {pathPrefix: /catalog}", "route: {pathPrefix: /catalog, mirrorAllMethods: true}")
                + "    steps: [{mirror: 20%}, {bake: 1m}, {weight: 10}, {bake: 30s}]\n").services().get(0);
        assertThat(s.steps()).containsExactly(new Step.Mirror(2000), new Step.Bake(Duration.ofMinutes(1)), new Step.Weight(1000),
                new Step.Bake(Duration.ofSeconds(30)));
        assertThat(s.route().mirrorAllMethods()).isTrue();
        assertThat(ReleaseReader.read("r.yaml", MINIMAL).services().get(0).route().mirrorAllMethods()).isFalse();
    }

    @Test
    void readsJsonToo() throws Exception {
        ReleaseSpec r = ReleaseReader.read("r.json", """
                {"services": [{"name": "catalog", "version": "2.4.0", "run": {"command": ["java", "-jar", "app.jar"]},
                               "route": {"pathPrefix": "/catalog"}, "steps": [{"weight": 10}, {"bake": "5s"}]}]}
                """);
        assertThat(r.services().get(0).steps()).containsExactly(new Step.Weight(1000), new Step.Bake(Duration.ofSeconds(5)));
    }

    @Test
    void versionsAndWordsStayTheTextTheyWereWritten() throws Exception {
        ServiceSpec s = ReleaseReader.read("r.yaml", MINIMAL.replace("version: 2.4.0", "version: 2.10")).services().get(0);
        assertThat(s.version()).isEqualTo("2.10");
        ServiceSpec no = ReleaseReader.read("r.yaml", MINIMAL.replace("name: catalog", "name: no")).services().get(0);
        assertThat(no.name()).as("YAML 1.2: no is not false").isEqualTo("no");
    }

    @Test
    void reportsEveryErrorAtOnceInFileOrder() {
        assertThatThrownBy(() -> ReleaseReader.read("r.yaml", """
                services:
                  - name: catalog
                    version: 2.4.0
                    run: {command: [java], replicas: 0}
                    route: {pathPrefix: /catalog}
                    readiness: {interval: soon}
                    keepPrevious: 1d
                """)).isInstanceOfSatisfying(InvalidSpecException.class, e -> assertThat(e.errors()).extracting(SpecError::toString).containsExactly(
                "r.yaml:4:38: services[0].run.replicas: must be between 1 and 64; got 0",
                "r.yaml:6:27: services[0].readiness.interval: must be a duration such as 500ms, 30s or 5m; got the text \"soon\"",
                "r.yaml:7:19: services[0].keepPrevious: must be a duration such as 500ms, 30s or 5m; got the text \"1d\""));
    }

    @Test
    void aFileOfExactlyTheServersLimitIsReadAndOneByteMoreIsRefused() throws Exception {
        String head = MINIMAL + "# ";
        String atLimit = head + "x".repeat(ReleaseLimits.MAX_BYTES - head.length() - 1) + "\n";
        assertThat(atLimit.getBytes(java.nio.charset.StandardCharsets.UTF_8)).hasSize(ReleaseLimits.MAX_BYTES);
        assertThat(ReleaseReader.read("r.yaml", atLimit).services()).hasSize(1);
        assertThatThrownBy(() -> ReleaseReader.read("r.yaml", atLimit + " ")).isInstanceOfSatisfying(InvalidSpecException.class,
                e -> assertThat(e.errors()).extracting(SpecError::toString).singleElement().asString()
                        .startsWith("r.yaml:1:1: the file is 4194305 bytes, over the limit of 4 MiB (4194304 bytes), the largest release the server accepts"));
    }

    @Test
    void nestingUpToTheLimitIsReadAndOneLevelMoreIsRefusedWhereItBegins() throws Exception {
        int max = ReleaseLimits.STANDARD.maxDepth();
        assertThat(YamlSource.parse("r.yaml", "[".repeat(max) + "]".repeat(max))).isInstanceOf(SpecNode.ListNode.class);
        assertThatThrownBy(() -> YamlSource.parse("r.yaml", "[".repeat(max + 1) + "]".repeat(max + 1)))
                .isInstanceOfSatisfying(InvalidSpecException.class, e -> assertThat(e.errors()).extracting(SpecError::toString)
                        .singleElement().asString().startsWith("r.yaml:1:" + (max + 1) + ": nested more than " + max + " levels deep"));
    }

    @Test
    void aliasesWithinTheLimitsReadAsIfTheValueWereWrittenOut() throws Exception {
        ReleaseSpec r = ReleaseReader.read("r.yaml", """
                services:
                  - name: catalog
                    version: 2.4.0
                    run: &run {command: [java, -jar, app.jar], replicas: 2}
                    route: {pathPrefix: /catalog}
                  - name: pricing
                    version: 1.0.0
                    run: *run
                    route: {pathPrefix: /pricing}
                """);
        assertThat(r.services().get(1).run()).isEqualTo(r.services().get(0).run());
        assertThat(r.services().get(1).run().replicas()).isEqualTo(2);
    }

    @Test
    void anAliasCannotCarryAValuePastTheDepthLimitNorValuesPastTheCount() {
        ReleaseLimits shallow = new ReleaseLimits(ReleaseLimits.MAX_BYTES, 3, 1_000, 50, 1_000);
        // each list on its own is 2 or 3 deep; b's alias puts a's two levels under b's two
        assertThatThrownBy(() -> YamlSource.parse("r.yaml", "a: &a [[x]]\nb: [*a]\n", shallow))
                .isInstanceOfSatisfying(InvalidSpecException.class, e -> assertThat(e.errors()).extracting(SpecError::toString)
                        .singleElement().asString().startsWith("r.yaml:1:8: nested more than 3 levels deep").contains("(aliases included)"));
        ReleaseLimits few = new ReleaseLimits(ReleaseLimits.MAX_BYTES, 32, 20, 50, 1_000);
        assertThatThrownBy(() -> YamlSource.parse("r.yaml", "a: &a [x, x, x, x, x]\nb: [*a, *a, *a]\n", few))
                .isInstanceOfSatisfying(InvalidSpecException.class, e -> assertThat(e.errors()).extracting(SpecError::toString)
                        .singleElement().asString().startsWith("r.yaml:1:").contains("more than 20 keys and values"));
    }

    @Test
    void longValuesAreCutShortInMessages() {
        assertThatThrownBy(() -> ReleaseReader.read("r.yaml", MINIMAL.replace("version: 2.4.0", "version: \"" + "v ".repeat(5_000) + "\"")))
                .isInstanceOfSatisfying(InvalidSpecException.class, e -> assertThat(e.errors()).extracting(SpecError::toString)
                        .singleElement().asString().startsWith("r.yaml:3:14: services[0].version: \"v v v").contains("... (10000 characters)\" is not valid")
                        .hasSizeLessThan(300));
    }

    @org.junit.jupiter.api.Test
    void theJudgeIsNamedPerServiceWithTheSequentialJudgesSettingsAndThresholdsByDefault() throws Exception {
        ReleaseSpec r = ReleaseReader.read("r.yaml", """
                services:
                  - name: a
                    version: "1"
                    run: {command: [a]}
                    route: {pathPrefix: /a}
                    analysis: {judge: sequential, alpha: 0.5%, tolerance: 1.25, inconclusive: rollback, warmup: 1m, minRequests: 200}
                  - name: b
                    version: "1"
                    run: {command: [b]}
                    route: {pathPrefix: /b}
                """);
        assertThat(r.services().get(0).analysis().judging()).isEqualTo(new Analysis.Judging(Analysis.Judging.Kind.SEQUENTIAL, 0.005, 1.25,
                Analysis.Judging.Inconclusive.ROLLBACK, java.time.Duration.ofMinutes(1)));
        assertThat(r.services().get(0).analysis().minRequests()).isEqualTo(200);
        assertThat(r.services().get(1).analysis().judging()).as("a file that names no judge keeps today's").isEqualTo(Analysis.Judging.THRESHOLDS);
    }

    @Test
    void readsPrometheusQueriesAndMetricRulesWithTheirDefaults() throws Exception {
        ReleaseSpec r = ReleaseReader.read("r.yaml", BASE_FOR_METRICS + """
                    analysis:
                      interval: 5s
                      metrics:
                        prometheus:
                          url: https://prometheus.example:9090/prom
                          requests: 'sum(increase(http_requests_total{job="{{service}}",version="{{version}}"}[{{window}}]))'
                          errors: 'sum(increase(http_requests_total{job="{{service}}",version="{{version}}",code=~"5.."}[{{window}}])) or vector(0)'
                          latency: 'histogram_quantile({{quantile}}, sum by (le) (rate(http_seconds_bucket{version="{{version}}"}[{{window}}])))'
                          slowerThan: 'sum(increase(http_seconds_count{version="{{version}}"}[{{window}}])) - sum(increase(http_seconds_bucket{version="{{version}}",le="{{seconds}}"}[{{window}}]))'
                      rules:
                        - errorRate: {max: 1%}
                        - metric: {name: checkouts-per-request, query: 'sum(increase(checkouts_total{track="{{track}}"}[{{window}}]))', min: 0.05, max: 2}
                  - name: pricing
                    version: 1.0.0
                    run: {command: [java, -jar, app.jar]}
                    route: {pathPrefix: /pricing}
                    analysis:
                      interval: 1m
                      metrics: {prometheus: {requests: 'sum(r{track="{{track}}"})', errors: 's{track="{{track}}"}', timeout: 500ms}}
                """);
        Analysis a = r.services().get(0).analysis();
        PrometheusSpec p = a.prometheus().orElseThrow();
        assertThat(p.url()).contains(java.net.URI.create("https://prometheus.example:9090/prom"));
        assertThat(p.timeout()).isEqualTo(PrometheusSpec.DEFAULT_TIMEOUT);
        assertThat(p.requests()).startsWith("sum(increase(http_requests_total{job=\"{{service}}\"");
        assertThat(p.latency()).hasValueSatisfying(l -> assertThat(l).startsWith("histogram_quantile({{quantile}}"));
        assertThat(p.slowerThan()).hasValueSatisfying(l -> assertThat(l).contains("le=\"{{seconds}}\""));
        assertThat(p.location()).isEqualTo(new Location("r.yaml", 10, 11));
        assertThat(a.rules()).containsExactly(new Analysis.Rule.ErrorRate(Optional.of(0.01), Optional.empty()),
                new Analysis.Rule.Metric("checkouts-per-request", "sum(increase(checkouts_total{track=\"{{track}}\"}[{{window}}]))",
                        Optional.of(0.05), Optional.of(2.0)));
        PrometheusSpec q = r.services().get(1).analysis().prometheus().orElseThrow();
        assertThat(q.url()).as("the server's URL is meant").isEmpty();
        assertThat(q.timeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(q.latency()).isEmpty();
        assertThat(q.slowerThan()).isEmpty();
        assertThat(ReleaseReader.read("r.yaml", BASE_FOR_METRICS).services().get(0).analysis().prometheus())
                .as("the router's figures by default").isEmpty();
    }

    static final String BASE_FOR_METRICS = """
            services:
              - name: catalog
                version: 2.4.0
                run: {command: [java, -jar, app.jar]}
                route: {pathPrefix: /catalog}
            """;
}
