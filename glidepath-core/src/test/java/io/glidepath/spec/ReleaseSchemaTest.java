package io.glidepath.spec;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.migration.MigrationRule;
import io.glidepath.route.RouteJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The published JSON Schema lists exactly the fields the reader accepts, level by level. */
class ReleaseSchemaTest {
    static JsonNode schema;

    @BeforeAll
    static void load() throws Exception {
        Path p = Path.of("..", "docs", "release.schema.json");
        schema = RouteJson.MAPPER.readTree(Files.readString(p));
    }

    static Set<String> properties(JsonNode objectSchema) {
        Set<String> names = new TreeSet<>();
        objectSchema.path("properties").fieldNames().forEachRemaining(names::add);
        return names;
    }

    static JsonNode def(String name) {
        return schema.path("$defs").path(name);
    }

    @Test
    void everyLevelListsTheFieldsTheReaderKnows() {
        assertThat(properties(schema)).isEqualTo(new TreeSet<>(ReleaseFields.RELEASE));
        assertThat(properties(def("service"))).isEqualTo(new TreeSet<>(ReleaseFields.SERVICE));
        assertThat(properties(def("run"))).isEqualTo(new TreeSet<>(ReleaseFields.RUN));
        assertThat(properties(def("route"))).isEqualTo(new TreeSet<>(ReleaseFields.ROUTE));
        assertThat(properties(def("route").path("properties").path("sticky"))).isEqualTo(new TreeSet<>(ReleaseFields.STICKY));
        assertThat(properties(def("readiness"))).isEqualTo(new TreeSet<>(ReleaseFields.READINESS));
        assertThat(properties(def("check"))).isEqualTo(new TreeSet<>(ReleaseFields.CHECK));
        assertThat(properties(def("check").path("properties").path("request"))).isEqualTo(new TreeSet<>(ReleaseFields.REQUEST));
        assertThat(properties(def("check").path("properties").path("expect"))).isEqualTo(new TreeSet<>(ReleaseFields.EXPECT));
        assertThat(properties(def("step"))).isEqualTo(new TreeSet<>(ReleaseFields.STEP));
        assertThat(properties(def("analysis"))).isEqualTo(new TreeSet<>(ReleaseFields.ANALYSIS));
        assertThat(properties(def("rule"))).isEqualTo(new TreeSet<>(ReleaseFields.RULE));
        assertThat(properties(def("rule").path("properties").path("errorRate"))).isEqualTo(new TreeSet<>(ReleaseFields.ERROR_RATE));
        assertThat(properties(def("rule").path("properties").path("latency"))).isEqualTo(new TreeSet<>(ReleaseFields.LATENCY));
        assertThat(properties(def("rule").path("properties").path("metric"))).isEqualTo(new TreeSet<>(ReleaseFields.METRIC));
        assertThat(properties(def("analysis").path("properties").path("metrics"))).isEqualTo(new TreeSet<>(ReleaseFields.METRICS));
        assertThat(properties(def("prometheus"))).isEqualTo(new TreeSet<>(ReleaseFields.PROMETHEUS));
        assertThat(properties(def("database"))).isEqualTo(new TreeSet<>(ReleaseFields.DATABASE));
        assertThat(properties(def("sharedDatabase"))).isEqualTo(new TreeSet<>(ReleaseFields.SHARED_DATABASE));
        assertThat(properties(def("allow"))).isEqualTo(new TreeSet<>(ReleaseFields.ALLOW));
        assertThat(properties(def("fleet"))).isEqualTo(new TreeSet<>(ReleaseFields.FLEET));
        assertThat(properties(def("fleet").path("properties").path("failureBudget"))).isEqualTo(new TreeSet<>(ReleaseFields.BUDGET));
        assertThat(properties(def("customer"))).isEqualTo(new TreeSet<>(ReleaseFields.CUSTOMER));
        assertThat(properties(def("ring"))).isEqualTo(new TreeSet<>(ReleaseFields.RING));
        assertThat(def("allow").path("properties").path("rule").path("enum")).extracting(JsonNode::asText)
                .containsExactlyElementsOf(Arrays.stream(MigrationRule.values()).map(MigrationRule::id).toList());
        assertThat(duration(def("database"), "lockTimeout")).contains(DatabaseSpec.DEFAULT_LOCK_TIMEOUT);
        assertThat(duration(def("database"), "statementTimeout")).contains(DatabaseSpec.DEFAULT_STATEMENT_TIMEOUT);
    }

    @Test
    void theSchemaStatesTheReadersDefaults() {
        assertThat(def("readiness").path("properties").path("path").path("default").asText()).isEqualTo(ReleaseReader.DEFAULT_READINESS.path());
        assertThat(def("readiness").path("properties").path("healthyAfter").path("default").asInt()).isEqualTo(ReleaseReader.DEFAULT_READINESS.healthyAfter());
        assertThat(duration(def("readiness"), "deadline")).contains(ReleaseReader.DEFAULT_READINESS.deadline());
        assertThat(duration(def("readiness"), "interval")).contains(ReleaseReader.DEFAULT_READINESS.interval());
        assertThat(duration(def("run"), "stopGrace")).contains(ReleaseReader.DEFAULT_STOP_GRACE);
        assertThat(duration(def("service"), "keepPrevious")).contains(ReleaseReader.DEFAULT_KEEP_PREVIOUS);
        assertThat(duration(def("prometheus"), "timeout")).contains(PrometheusSpec.DEFAULT_TIMEOUT);
    }

    static java.util.Optional<java.time.Duration> duration(JsonNode objectSchema, String field) {
        return Durations.parse(objectSchema.path("properties").path(field).path("default").asText());
    }
}
