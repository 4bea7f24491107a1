package io.glidepath.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Malformed and invalid release files, each with the located message a user must see. Every
 * message names file:line:column and the field, and says what to write instead.
 */
class InvalidReleaseFilesTest {
    /** A valid service at lines 2-5; cases append to it or replace parts of it. */
    static final String BASE = """
            services:
              - name: catalog
                version: 2.4.0
                run: {command: [java, -jar, app.jar]}
                route: {pathPrefix: /catalog}
            """;

    /** An analysis on Prometheus at lines 6-12; cases change it or add lines at 11 and on. */
    static final String PROMETHEUS = """
                analysis:
                  interval: 5s
                  metrics:
                    prometheus:
                      url: http://127.0.0.1:9090
                      requests: 'sum(increase(glidepath_router_requests_total{route="{{service}}",track="{{track}}"}[{{window}}]))'
                      errors: 'sum(increase(glidepath_router_requests_total{route="{{service}}",track="{{track}}",class="5xx"}[{{window}}]))'
            """;
    /** Lines 13-15: rules, the last a metric rule whose bounds are %s. */
    static final String METRIC = """
                  rules:
                    - errorRate: {max: 1%%}
                    - metric: {name: checkouts, query: 'sum(c{version="{{version}}"})'%s}
            """;

    /** BASE with its service speaking h2c (line 4). */
    static final String H2C = BASE.replace("run: {command: [java, -jar, app.jar]}", "run: {command: [java, -jar, app.jar], protocol: h2c}");

    static String with(String extra) {
        return BASE + extra;
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                // the document
                Arguments.of("empty file", "", "r.yaml:1:1: the file is empty"),
                Arguments.of("not YAML", "services:\n  - name: [catalog\n", "r.yaml:3:1: this is not valid YAML"),
                Arguments.of("a list at the top", "- catalog\n", "r.yaml:1:1: must be a release"),
                Arguments.of("no services", "release: shop\n", "r.yaml:1:1: services: is required"),
                Arguments.of("services empty", "services: []\n", "r.yaml:1:11: services: must be a non-empty list"),
                Arguments.of("misspelt top-level field", "servics: []\n", "r.yaml:1:1: servics: unknown field \"servics\"; did you mean \"services\"?"),
                Arguments.of("bad release name", "release: Shop 42\n" + BASE, "r.yaml:1:10: release: \"Shop 42\" is not valid"),
                // databases (a service's own at line 6; the release's shared ones before the services)
                Arguments.of("unknown database", with("    database: shpo\n"), "r.yaml:6:15: services[0].database: no database 'shpo' in this release"),
                Arguments.of("misspelt shared database", "databases:\n  - {name: shop, url: 'jdbc:postgresql://db/shop', expand: db/expand}\n"
                        + BASE.replace("services:\n", "services:\n").replace("    route: {pathPrefix: /catalog}\n", "    route: {pathPrefix: /catalog}\n    database: shpo\n"),
                        "r.yaml:8:15: services[0].database: no database 'shpo' in this release: did you mean 'shop'?"),
                Arguments.of("password in the URL", with("    database: {url: 'jdbc:postgresql://db/shop?user=shop&password=hunter2', expand: db/expand}\n"),
                        "r.yaml:6:21: services[0].database.url: holds a password"),
                Arguments.of("not a PostgreSQL URL", with("    database: {url: 'jdbc:mysql://db/shop', expand: db/expand}\n"),
                        "r.yaml:6:21: services[0].database.url: must be a PostgreSQL JDBC URL"),
                Arguments.of("no migration folders", with("    database: {url: 'jdbc:postgresql://db/shop'}\n"),
                        "r.yaml:6:15: services[0].database: needs expand, contract or both"),
                Arguments.of("expand and contract in one folder", with("    database: {url: 'jdbc:postgresql://db/shop', expand: db, contract: db}\n"),
                        "r.yaml:6:72: services[0].database.contract: is the same folder as expand"),
                Arguments.of("bad passwordEnv", with("    database: {url: 'jdbc:postgresql://db/shop', expand: db, passwordEnv: 'DB PASS'}\n"),
                        "r.yaml:6:75: services[0].database.passwordEnv: \"DB PASS\" is not valid"),
                Arguments.of("allow with an unknown rule", with("    database:\n      url: 'jdbc:postgresql://db/shop'\n      expand: db\n"
                        + "      allow: [{rule: require-concurent-index-creation, file: db/V2__x.sql, reason: the table is tiny and unused}]\n"),
                        "r.yaml:9:22: services[0].database.allow[0].rule: no rule 'require-concurent-index-creation'; did you mean "
                                + "'require-concurrent-index-creation'?"),
                Arguments.of("allow without a real reason", with("    database:\n      url: 'jdbc:postgresql://db/shop'\n      expand: db\n"
                        + "      allow: [{rule: ban-cluster, file: db/V2__x.sql, reason: ok}]\n"),
                        "r.yaml:9:63: services[0].database.allow[0].reason: is too short"),
                // the route's HTTPS edge (line 5)
                Arguments.of("hsts without maxAge", BASE.replace("route: {pathPrefix: /catalog}", "route: {pathPrefix: /catalog, https: {hsts: {}}}"),
                        "r.yaml:5:49: services[0].route.https.hsts.maxAge: is required"),
                Arguments.of("hsts shorter than five minutes", BASE.replace("route: {pathPrefix: /catalog}",
                        "route: {pathPrefix: /catalog, https: {redirect: true, hsts: {maxAge: 10s}}}"),
                        "r.yaml:5:74: services[0].route.https.hsts.maxAge: must be between 5m and 17520h"),
                Arguments.of("misspelt https field", BASE.replace("route: {pathPrefix: /catalog}", "route: {pathPrefix: /catalog, https: {redirct: true}}"),
                        "r.yaml:5:43: services[0].route.https.redirct: unknown field \"redirct\"; did you mean \"redirect\"?"),
                Arguments.of("repeated key", BASE.replace("    version: 2.4.0\n", "    version: 2.4.0\n    version: 2.5.0\n"),
                        "r.yaml:4:5: \"version\" appears twice in this mapping (first at line 3)"),
                // the judge (line 6)
                Arguments.of("unknown judge", with("    analysis: {judge: sequentail}\n"),
                        "r.yaml:6:23: services[0].analysis.judge: must be thresholds or sequential; got the text \"sequentail\"; did you mean sequential?"),
                Arguments.of("alpha with the thresholds judge", with("    analysis: {alpha: 1%}\n"),
                        "r.yaml:6:23: services[0].analysis.alpha: is a setting of the sequential judge: add judge: sequential, or leave it out"),
                Arguments.of("alpha too large", with("    analysis: {judge: sequential, alpha: 20%}\n"),
                        "r.yaml:6:42: services[0].analysis.alpha: must be from 0.01% to 10%"),
                Arguments.of("tolerance below 1", with("    analysis: {judge: sequential, tolerance: 0.9}\n"),
                        "r.yaml:6:46: services[0].analysis.tolerance: must be a ratio from 1 to 3"),
                Arguments.of("inconclusive misspelt", with("    analysis: {judge: sequential, inconclusive: rolback}\n"),
                        "r.yaml:6:49: services[0].analysis.inconclusive: must be promote or rollback; got the text \"rolback\"; did you mean rollback?"),
                // Prometheus (line 6 and on)
                Arguments.of("prometheus without its queries", with("    analysis: {interval: 5s, metrics: {prometheus: {url: http://127.0.0.1:9090}}}\n"),
                        "r.yaml:6:52: services[0].analysis.metrics.prometheus.requests: is required: the PromQL counting the requests of one track"),
                Arguments.of("metrics naming no source", with("    analysis: {interval: 5s, metrics: {}}\n"),
                        "r.yaml:6:39: services[0].analysis.metrics.prometheus: is required here: leave metrics out to read the router's figures"),
                Arguments.of("misspelt prometheus field", with(PROMETHEUS.replace("errors:", "erors:")),
                        "r.yaml:12:11: services[0].analysis.metrics.prometheus.erors: unknown field \"erors\"; did you mean \"errors\"?"),
                Arguments.of("misspelt placeholder in a query", with(PROMETHEUS.replace("track=\"{{track}}\"}", "track=\"{{trak}}\"}")),
                        "r.yaml:11:21: services[0].analysis.metrics.prometheus.requests: unknown placeholder {{trak}}: did you mean {{track}}?"),
                Arguments.of("a query that tells no track from the other", with(PROMETHEUS.replace(",track=\"{{track}}\"}", "}")),
                        "r.yaml:11:21: services[0].analysis.metrics.prometheus.requests: names neither {{track}} nor {{version}}"),
                Arguments.of("latency without its quantile", with(PROMETHEUS + "          latency: 'max(x_seconds{track=\"{{track}}\"})'\n"),
                        "r.yaml:13:20: services[0].analysis.metrics.prometheus.latency: needs {{quantile}} where the percentile goes"),
                Arguments.of("a quantile outside the latency query", with(PROMETHEUS.replace("track=\"{{track}}\"}[{{window}}]))", "track=\"{{track}}\"}[{{window}}])) * {{quantile}}")),
                        "r.yaml:11:21: services[0].analysis.metrics.prometheus.requests: {{quantile}} belongs in the latency query only"),
                Arguments.of("slowerThan without its seconds", with(PROMETHEUS + "          slowerThan: 'sum(x_count{track=\"{{track}}\"})'\n"),
                        "r.yaml:13:23: services[0].analysis.metrics.prometheus.slowerThan: needs {{seconds}} where the duration goes"),
                Arguments.of("a Prometheus URL that is not http", with(PROMETHEUS.replace("http://127.0.0.1:9090", "127.0.0.1:9090")),
                        "r.yaml:10:16: services[0].analysis.metrics.prometheus.url: \"127.0.0.1:9090\" must start with http:// or https://"),
                Arguments.of("credentials in a release file", with(PROMETHEUS.replace("http://", "http://ops:s3cret@")),
                        "r.yaml:10:16: services[0].analysis.metrics.prometheus.url: \"http://ops:s3cret@127.0.0.1:9090\" holds credentials"),
                Arguments.of("a timeout without unit", with(PROMETHEUS + "          timeout: 2\n"),
                        "r.yaml:13:20: services[0].analysis.metrics.prometheus.timeout: must be a duration such as 500ms, 30s or 5m; got 2"),
                Arguments.of("Prometheus read every second", with(PROMETHEUS.replace("interval: 5s", "interval: 1s")),
                        "r.yaml:7:17: services[0].analysis.interval: is 1s, too short for Prometheus: increase() and rate() need at least two scrapes"),
                Arguments.of("Prometheus at the default interval", with(PROMETHEUS.replace("      interval: 5s\n", "")),
                        "r.yaml:8:9: services[0].analysis.interval: is 1s (the default), too short for Prometheus"),
                Arguments.of("a metric rule without Prometheus", with("    analysis: {rules: [{metric: {name: checkouts, query: 'sum(c{version=\"{{version}}\"})', min: 1}}]}\n"),
                        "r.yaml:6:24: services[0].analysis.rules[0].metric: reads Prometheus: add analysis.metrics.prometheus"),
                Arguments.of("a metric rule without bounds", with(PROMETHEUS + METRIC.formatted("")),
                        "r.yaml:15:19: services[0].analysis.rules[1].metric: needs min and/or max"),
                Arguments.of("a metric rule whose max is below its min", with(PROMETHEUS + METRIC.formatted(", min: 5, max: 1")),
                        "r.yaml:15:90: services[0].analysis.rules[1].metric.max: is below min (5): no value could pass"),
                Arguments.of("a metric bound as text", with(PROMETHEUS + METRIC.formatted(", min: five")),
                        "r.yaml:15:82: services[0].analysis.rules[1].metric.min: must be a number such as 5 or 0.25; got the text \"five\""),
                Arguments.of("a metric named twice", with(PROMETHEUS + METRIC.formatted(", min: 1") + METRIC.substring(METRIC.lastIndexOf("        - ")).formatted(", max: 9")),
                        "r.yaml:16:26: services[0].analysis.rules[2].metric.name: metric 'checkouts' appears twice"),
                Arguments.of("a misspelt placeholder in a metric", with(PROMETHEUS + METRIC.formatted(", min: 1").replace("{{version}}", "{{verison}}")),
                        "r.yaml:15:44: services[0].analysis.rules[1].metric.query: unknown placeholder {{verison}}: did you mean {{version}}?"),
                Arguments.of("a latency rule Prometheus has no query for", with(PROMETHEUS + "      rules: [{latency: {max: 300ms}}]\n"),
                        "r.yaml:13:15: services[0].analysis.rules[0].latency: needs a latency query to read it from Prometheus"),
                Arguments.of("a latency rule the sequential judge cannot count", with(PROMETHEUS.replace("interval: 5s", "interval: 5s\n      judge: sequential")
                                + "          latency: 'histogram_quantile({{quantile}}, sum by (le) (rate(b{track=\"{{track}}\"}[{{window}}])))'\n"
                                + "      rules: [{latency: {max: 300ms}}]\n"),
                        "r.yaml:15:15: services[0].analysis.rules[0].latency: the sequential judge counts slow requests: add analysis.metrics.prometheus.slowerThan"),
                Arguments.of("a misspelt rule kind", with(PROMETHEUS + "      rules: [{metrc: {name: x}}]\n"),
                        "r.yaml:13:16: services[0].analysis.rules[0].metrc: unknown field \"metrc\"; did you mean \"metric\"?"),
                // a service's identity
                Arguments.of("service without name", BASE.replace("  - name: catalog\n    version", "  - version"),
                        "r.yaml:2:5: services[0].name: is required"),
                Arguments.of("bad service name", BASE.replace("name: catalog", "name: Catalog_1"),
                        "r.yaml:2:11: services[0].name: \"Catalog_1\" is not valid"),
                Arguments.of("missing version", BASE.replace("    version: 2.4.0\n", ""), "r.yaml:2:5: services[0].version: is required"),
                Arguments.of("version with a space", BASE.replace("version: 2.4.0", "version: \"2.4 beta\""),
                        "r.yaml:3:14: services[0].version: \"2.4 beta\" is not valid"),
                Arguments.of("misspelt service field", with("    readyness: {path: /ready}\n"),
                        "r.yaml:6:5: services[0].readyness: unknown field \"readyness\"; did you mean \"readiness\"?"),
                // run
                Arguments.of("no run", BASE.replace("    run: {command: [java, -jar, app.jar]}\n", ""), "r.yaml:2:5: services[0].run: is required"),
                Arguments.of("command as one string", BASE.replace("{command: [java, -jar, app.jar]}", "{command: java -jar app.jar}"),
                        "r.yaml:4:20: services[0].run.command: must be a non-empty list (argv, never run through a shell)"),
                Arguments.of("empty command", BASE.replace("[java, -jar, app.jar]", "[]"), "r.yaml:4:20: services[0].run.command: must be a non-empty list"),
                Arguments.of("zero replicas", BASE.replace("app.jar]}", "app.jar], replicas: 0}"),
                        "r.yaml:4:53: services[0].run.replicas: must be between 1 and 64; got 0"),
                Arguments.of("replicas as a word", BASE.replace("app.jar]}", "app.jar], replicas: two}"),
                        "r.yaml:4:53: services[0].run.replicas: must be a whole number from 1 to 64; got the text \"two\""),
                Arguments.of("stop grace without unit", BASE.replace("app.jar]}", "app.jar], stopGrace: 30}"),
                        "r.yaml:4:54: services[0].run.stopGrace: must be a duration such as 500ms, 30s or 5m; got 30 (a bare number has no unit: write 30s or 30ms)"),
                Arguments.of("bad env name", BASE.replace("app.jar]}", "app.jar], env: {MY-VAR: x}}"),
                        "r.yaml:4:49: services[0].run.env.MY-VAR: is not a valid environment variable name"),
                Arguments.of("misspelt placeholder", BASE.replace("app.jar]", "app.jar, \"{{prot}}\"]"),
                        "r.yaml:4:42: services[0].run.command[3]: unknown placeholder {{prot}}: did you mean {{port}}?"),
                Arguments.of("unclosed placeholder", BASE.replace("app.jar]}", "app.jar], env: {PORT: \"{{port\"}}"),
                        "r.yaml:4:55: services[0].run.env.PORT: a placeholder is not closed"),
                Arguments.of("neither command nor image", BASE.replace("{command: [java, -jar, app.jar]}", "{replicas: 2}"),
                        "r.yaml:4:10: services[0].run.command: is required: the program and its arguments as a list, such as [java, -jar, app.jar] "
                                + "(or, on Kubernetes, run.image: the container image to run)"),
                Arguments.of("image with a scheme", BASE.replace("{command: [java, -jar, app.jar]}", "{image: \"https://r.example/catalog:1\"}"),
                        "r.yaml:4:18: services[0].run.image: \"https://r.example/catalog:1\" is not valid"),
                Arguments.of("image with upper case", BASE.replace("{command: [java, -jar, app.jar]}", "{image: Catalog:1}"),
                        "r.yaml:4:18: services[0].run.image: \"Catalog:1\" is not valid"),
                Arguments.of("port without image", BASE.replace("app.jar]}", "app.jar], port: 8080}"),
                        "r.yaml:4:49: services[0].run.port: goes with run.image (it is for a container): add the image, or leave port out"),
                Arguments.of("port out of range", BASE.replace("{command: [java, -jar, app.jar]}", "{image: catalog:1, port: 70000}"),
                        "r.yaml:4:35: services[0].run.port: must be between 1 and 65535; got 70000"),
                Arguments.of("cpu as a word", BASE.replace("{command: [java, -jar, app.jar]}", "{image: catalog:1, resources: {cpu: half}}"),
                        "r.yaml:4:46: services[0].run.resources.cpu: \"half\" is not valid"),
                Arguments.of("misspelt resource", BASE.replace("{command: [java, -jar, app.jar]}", "{image: catalog:1, resources: {memroy: 1Gi}}"),
                        "r.yaml:4:41: services[0].run.resources.memroy: unknown field \"memroy\"; did you mean \"memory\"?"),
                // route
                Arguments.of("no route", BASE.replace("    route: {pathPrefix: /catalog}\n", ""), "r.yaml:2:5: services[0].route: is required"),
                Arguments.of("route that takes everything", BASE.replace("{pathPrefix: /catalog}", "{shield: true}"),
                        "r.yaml:5:12: services[0].route: needs host, pathPrefix or both"),
                Arguments.of("host with a scheme", BASE.replace("{pathPrefix: /catalog}", "{host: \"http://catalog\"}"),
                        "r.yaml:5:19: services[0].route.host: \"http://catalog\" is not valid"),
                Arguments.of("prefix without slash", BASE.replace("/catalog}", "catalog}"),
                        "r.yaml:5:25: services[0].route.pathPrefix: \"catalog\" is not valid: use a path starting with /"),
                Arguments.of("header stickiness without a header", BASE.replace("/catalog}", "/catalog, sticky: {mode: header}}"),
                        "r.yaml:5:43: services[0].route.sticky.name: is required with mode header"),
                // shadow traffic
                Arguments.of("a mirror step after a weight", with("    steps: [{weight: 10}, {mirror: 20%}]\n"),
                        "r.yaml:6:36: services[0].steps[1].mirror: comes after a weight step"),
                Arguments.of("mirror steps judged on Prometheus", with("    steps: [{mirror: 20%}, {bake: 1m}, {weight: 10}]\n" + PROMETHEUS),
                        "r.yaml:6:12: services[0].steps: mirror steps are judged on the copies' figures, which only the router counts"),
                // gRPC services (run.protocol: h2c)
                Arguments.of("unknown protocol", BASE.replace("run: {command: [java, -jar, app.jar]}", "run: {command: [java, -jar, app.jar], protocol: h2}"),
                        "r.yaml:4:53: services[0].run.protocol: \"h2\" is not a protocol: use \"http/1.1\", \"h2c\""),
                Arguments.of("gRPC readiness of an HTTP/1.1 service", with("    readiness: {grpc: shop.Cart}\n"),
                        "r.yaml:6:23: services[0].readiness.grpc: checks a gRPC server, which speaks h2c: add run.protocol: h2c"),
                Arguments.of("a GET readiness of a gRPC service", H2C + "    readiness: {path: /ready}\n",
                        "r.yaml:6:23: services[0].readiness.path: a gRPC (h2c) service answers no GET"),
                Arguments.of("smoke checks of a gRPC service", H2C + "    smoke: [{name: home, request: {path: /}}]\n",
                        "r.yaml:6:12: services[0].smoke: smoke checks are HTTP/1.1 requests, which a gRPC (h2c) service does not answer"),
                // readiness
                Arguments.of("readiness interval not a duration", with("    readiness: {interval: 5x}\n"),
                        "r.yaml:6:27: services[0].readiness.interval: must be a duration such as 500ms, 30s or 5m; got the text \"5x\""),
                Arguments.of("readiness that can never pass", with("    readiness: {interval: 1s, healthyAfter: 5, deadline: 3s}\n"),
                        "r.yaml:6:58: services[0].readiness.deadline: is shorter than healthyAfter x interval (5s)"),
                Arguments.of("readiness threshold zero", with("    readiness: {healthyAfter: 0}\n"),
                        "r.yaml:6:31: services[0].readiness.healthyAfter: must be between 1 and 100; got 0"),
                Arguments.of("analysis interval under the router's one-second figures", with("    analysis: {interval: 500ms}\n"),
                        "r.yaml:6:26: services[0].analysis.interval: must be between 1s and 5m; got 500ms"),
                // smoke tests
                Arguments.of("smoke not a list", with("    smoke: {name: home}\n"), "r.yaml:6:12: services[0].smoke: must be a list of checks"),
                Arguments.of("smoke with unknown method", with("    smoke: [{name: home, request: {method: FETCH, path: /}}]\n"),
                        "r.yaml:6:44: services[0].smoke[0].request.method: must be one of DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT; got FETCH"),
                Arguments.of("smoke expecting status 700", with("    smoke: [{name: home, request: {path: /}, expect: {status: 700}}]\n"),
                        "r.yaml:6:63: services[0].smoke[0].expect.status: must be between 100 and 599; got 700"),
                Arguments.of("smoke names repeated", with("    smoke: [{name: home, request: {path: /}}, {name: home, request: {path: /x}}]\n"),
                        "r.yaml:6:47: services[0].smoke[1].name: smoke test 'home' appears twice"),
                Arguments.of("smoke without request", with("    smoke: [{name: home}]\n"), "r.yaml:6:13: services[0].smoke[0].request: is required"),
                // strategy and steps
                Arguments.of("misspelt strategy", with("    strategy: bluegreen\n"),
                        "r.yaml:6:15: services[0].strategy: must be canary, blueGreen or auto; got \"bluegreen\": did you mean blueGreen?"),
                Arguments.of("steps with auto", with("    strategy: auto\n    steps: [{weight: 10}]\n"),
                        "r.yaml:7:12: services[0].steps: strategy: auto leaves the steps to the server, which chooses them from the release's risk "
                                + "when it is submitted (glidepath plan shows what it would choose); remove steps, or name the strategy: canary"),
                Arguments.of("steps with blue-green", with("    strategy: blueGreen\n    steps: [{weight: 10}]\n"),
                        "r.yaml:7:12: services[0].steps: blueGreen switches all traffic at once and takes no steps"),
                Arguments.of("weight over 100", with("    steps: [{weight: 150}]\n"),
                        "r.yaml:6:22: services[0].steps[0].weight: must be more than 0% and at most 100%"),
                Arguments.of("weight going down", with("    steps: [{weight: 50}, {bake: 1s}, {weight: 25}]\n"),
                        "r.yaml:6:48: services[0].steps[2].weight: goes down from 50.0% to 25.0%"),
                Arguments.of("bake not a duration", with("    steps: [{weight: 10}, {bake: soon}]\n"),
                        "r.yaml:6:34: services[0].steps[1].bake: must be a duration"),
                Arguments.of("timed pause", with("    steps: [{weight: 10}, {pause: 5m}]\n"),
                        "r.yaml:6:35: services[0].steps[1].pause: must be manual (wait for glidepath promote); for a timed wait write {bake: 5m}"),
                Arguments.of("step doing two things", with("    steps: [{weight: 10, bake: 30s}]\n"),
                        "r.yaml:6:13: services[0].steps[0]: a step does one thing"),
                Arguments.of("steps without a weight", with("    steps: [{bake: 30s}]\n"), "r.yaml:6:12: services[0].steps: has no weight step"),
                Arguments.of("unknown step", with("    steps: [{weight: 10}, {wait: 30s}]\n"),
                        "r.yaml:6:28: services[0].steps[1].wait: unknown field \"wait\""),
                // analysis
                Arguments.of("error rate as a bare number", with("    analysis: {rules: [{errorRate: {max: 1}}]}\n"),
                        "r.yaml:6:42: services[0].analysis.rules[0].errorRate.max: must be a percentage such as 1% or 0.5%; got 1 (write 1% for a percentage)"),
                Arguments.of("percentile out of range", with("    analysis: {rules: [{latency: {percentile: 101, max: 300ms}}]}\n"),
                        "r.yaml:6:47: services[0].analysis.rules[0].latency.percentile: must be a number from 50 to 99.99"),
                Arguments.of("latency without max", with("    analysis: {rules: [{latency: {percentile: 99}}]}\n"),
                        "r.yaml:6:34: services[0].analysis.rules[0].latency.max: is required"),
                Arguments.of("fail after zero", with("    analysis: {failAfter: 0}\n"), "r.yaml:6:27: services[0].analysis.failAfter: must be between 1 and 100; got 0"),
                Arguments.of("keep previous too long", with("    keepPrevious: 48h\n"), "r.yaml:6:19: services[0].keepPrevious: must be between 0s and 24h; got 48h"),
                // several services
                Arguments.of("service twice", BASE + BASE.substring("services:\n".length()).replace("/catalog", "/other"),
                        "r.yaml:6:5: services[1].name: service 'catalog' appears twice (first at line 2)"),
                Arguments.of("unknown dependency", with("    dependsOn: [inventry]\n") + """
                          - name: inventory
                            version: 1.0.0
                            run: {command: [java]}
                            route: {pathPrefix: /inventory}
                        """, "r.yaml:2:5: services[0].dependsOn[0]: no service 'inventry' in this release: did you mean 'inventory'?"),
                Arguments.of("depends on itself", with("    dependsOn: [catalog]\n"), "r.yaml:2:5: services[0].dependsOn[0]: service 'catalog' depends on itself"),
                Arguments.of("dependency cycle", with("    dependsOn: [pricing]\n") + """
                          - name: pricing
                            version: 1.0.0
                            dependsOn: [catalog]
                            run: {command: [java]}
                            route: {pathPrefix: /pricing}
                        """, "r.yaml:2:5: services[0].dependsOn: dependencies form a cycle: catalog -> pricing -> catalog"),
                Arguments.of("two services on one route", BASE + """
                          - name: pricing
                            version: 1.0.0
                            run: {command: [java]}
                            route: {pathPrefix: /catalog}
                        """, "r.yaml:6:5: services[1].route: service 'catalog' already takes host (any) and path prefix /catalog"),
                // hostile input: refused at the place it goes past a limit (ReleaseLimits.STANDARD), never a stack overflow
                Arguments.of("thousands of [ (flow)", "services: " + "[".repeat(5_000),
                        "r.yaml:1:42: nested more than 32 levels deep"),
                Arguments.of("thousands of { (flow)", "services: " + "{a: ".repeat(5_000),
                        "r.yaml:1:135: nested more than 32 levels deep"),
                Arguments.of("thousands of [ in JSON", "{\"services\": " + "[".repeat(5_000) + "]".repeat(5_000) + "}",
                        "r.yaml:1:45: nested more than 32 levels deep"),
                Arguments.of("thousands of nested block lists", "services:\n" + "- ".repeat(5_000) + "x\n",
                        "r.yaml:2:63: nested more than 32 levels deep"),
                Arguments.of("thousands of nested block mappings", "services:\n" + blockMappings(2_000),
                        "r.yaml:33:33: nested more than 32 levels deep"),
                Arguments.of("billion laughs", billionLaughs(), "r.yaml:7:28: more than 50 aliases (*name) in one file"),
                Arguments.of("few aliases that unfold into millions of values", doublingAliases(24),
                        "r.yaml:1:13: the file holds more than 100000 keys and values (an alias counting each time it is used)"),
                Arguments.of("an alias inside itself", "a: &a [*a]\nservices: *a\n",
                        "r.yaml:1:4: an alias here refers to a mapping or list that contains it"),
                Arguments.of("a huge scalar", BASE.replace("2.4.0", "x".repeat(300_000)),
                        "r.yaml:3:14: this value is 300000 characters long; a key or value may be at most 65536 characters"),
                Arguments.of("a huge key (explicit: YAML allows implicit keys of 1024 characters)", with("    ? " + "k".repeat(70_000) + "\n    : 1\n"),
                        "r.yaml:6:7: this value is 70000 characters long"),
                Arguments.of("a file over the server's limit", with("# " + "x".repeat(ReleaseLimits.MAX_BYTES) + "\n"),
                        "r.yaml:1:1: the file is " + (BASE.length() + ReleaseLimits.MAX_BYTES + 3)
                                + " bytes, over the limit of 4 MiB (4194304 bytes), the largest release the server accepts"),
                Arguments.of("a file over the limit in bytes though not in characters", with("# " + "\u00e9".repeat(ReleaseLimits.MAX_BYTES / 2) + "\n"),
                        "r.yaml:1:1: the file is " + (BASE.length() + ReleaseLimits.MAX_BYTES + 3) + " bytes, over the limit of 4 MiB"),
                Arguments.of("too many values", "services: [" + "1, ".repeat(150_000) + "]\n",
                        "r.yaml:1:300003: the file holds more than 100000 keys and values"),
                Arguments.of("a NUL byte", BASE.replace("app.jar", "app\u0000.jar"),
                        "r.yaml:4:36: the file holds a NUL character (U+0000): is this a binary file?"),
                Arguments.of("a control character", with("    strategy: canary\u0007\n"),
                        "r.yaml:6:21: the file holds the character U+0007, which YAML does not allow"),
                Arguments.of("a lone surrogate", with("    strategy: \"\ud800\"\n"),
                        "r.yaml:6:16: the file holds a lone surrogate (U+D800)"),
                Arguments.of("a host name of thousands of labels", BASE.replace("{pathPrefix: /catalog}", "{host: " + "a.".repeat(30_000) + "a}"),
                        "r.yaml:5:19: services[0].route.host: \"a.a.a."));
    }

    /** {@code a:} nested {@code depth} times, each one space further in. */
    static String blockMappings(int depth) {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i <= depth; i++) {
            b.append(" ".repeat(i)).append("a:\n");
        }
        return b.toString();
    }

    /** The classic alias bomb: nine lists of nine aliases to the list before, a billion "lol"s unfolded. */
    static String billionLaughs() {
        StringBuilder b = new StringBuilder("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (char c = 'b'; c <= 'i'; c++) {
            b.append(c).append(": &").append(c).append(" [");
            for (int i = 0; i < 9; i++) {
                b.append(i == 0 ? "" : ", ").append('*').append((char) (c - 1));
            }
            b.append("]\n");
        }
        return b.append("services: *i\n").toString();
    }

    /** Two aliases a level, {@code levels} levels: under the alias limit, yet 2^levels values unfolded. */
    static String doublingAliases(int levels) {
        StringBuilder b = new StringBuilder("a0: &a0 [x, x]\n");
        for (int i = 1; i <= levels; i++) {
            b.append("a").append(i).append(": &a").append(i).append(" [*a").append(i - 1).append(", *a").append(i - 1).append("]\n");
        }
        return b.append("services: *a").append(levels).append("\n").toString();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void invalidFilesGetALocatedMessage(String name, String yaml, String expected) {
        InvalidSpecException e = catchThrowableOfType(InvalidSpecException.class, () -> ReleaseReader.read("r.yaml", yaml));
        assertThat(e).as("file accepted but should not be").isNotNull();
        List<String> messages = e.errors().stream().map(SpecError::toString).toList();
        assertThat(messages).as("errors").anySatisfy(m -> assertThat(m).startsWith(expected));
    }

    @org.junit.jupiter.api.Test
    void thereAreAtLeastThirtyCases() {
        assertThat(cases().count()).isGreaterThanOrEqualTo(30);
    }
}
