package io.glidepath.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The placeholders of PromQL queries: which each query takes, what they become. */
class QueryTemplatesTest {

    @Test
    void aQueryWithKnownPlaceholdersHasNoProblems() {
        assertThat(QueryTemplates.problems("sum(increase(x_total{route=\"{{service}}\",track=\"{{ track }}\"}[{{window}}]))", null)).isEmpty();
        assertThat(QueryTemplates.problems("histogram_quantile({{quantile}}, sum by (le) (rate(x_bucket{version=\"{{version}}\"}[{{window}}])))",
                QueryTemplates.QUANTILE)).isEmpty();
    }

    @Test
    void unknownPlaceholdersAreRefusedWithTheClosestKnownOne() {
        assertThat(QueryTemplates.problems("x{track=\"{{trak}}\"}", null)).contains("unknown placeholder {{trak}}: did you mean {{track}}?");
        assertThat(QueryTemplates.problems("x{track=\"{{track}}\", pod=\"{{instance}}\"}", null))
                .containsExactly("unknown placeholder {{instance}}: known ones here are {{service}}, {{track}}, {{version}}, {{window}}");
        assertThat(QueryTemplates.problems("x{track=\"{{track}}\"} > {{seconds}}", null))
                .containsExactly("{{seconds}} belongs in the slowerThan query only");
    }

    @Test
    void theLatencyQueryNeedsItsQuantileAndEveryQueryATrackOrVersion() {
        assertThat(QueryTemplates.problems("x{track=\"{{track}}\"}", QueryTemplates.QUANTILE)).singleElement()
                .satisfies(p -> assertThat(p).startsWith("needs {{quantile}}"));
        assertThat(QueryTemplates.problems("sum(x{route=\"{{service}}\"})", null)).singleElement()
                .satisfies(p -> assertThat(p).startsWith("names neither {{track}} nor {{version}}"));
        assertThat(QueryTemplates.problems("x{track=\"{{track\"}", null)).contains("a placeholder is not closed: write it as {{track}}");
    }

    @Test
    void expandsEachPlaceholderAndLeavesPromQLsOwnBracesAlone() {
        assertThat(QueryTemplates.expand("sum(increase(x{route=\"{{service}}\",track=\"{{track}}\"}[{{window}}])) or vector(0)",
                Map.of("service", "catalog", "track", "canary", "window", "5s")))
                .isEqualTo("sum(increase(x{route=\"catalog\",track=\"canary\"}[5s])) or vector(0)");
        assertThatThrownBy(() -> QueryTemplates.expand("{{version}}", Map.of())).hasMessageContaining("{{version}}");
    }

    @Test
    void numbersAreWrittenAsPromQLReadsThem() {
        assertThat(QueryTemplates.quantile(99)).isEqualTo("0.99");
        assertThat(QueryTemplates.quantile(99.9)).isEqualTo("0.999");
        assertThat(QueryTemplates.quantile(50)).isEqualTo("0.5");
        assertThat(QueryTemplates.seconds(Duration.ofMillis(250))).isEqualTo("0.25");
        assertThat(QueryTemplates.seconds(Duration.ofSeconds(2))).isEqualTo("2");
        assertThat(QueryTemplates.seconds(Duration.ofNanos(1_500_000))).isEqualTo("0.0015");
        assertThat(QueryTemplates.window(Duration.ofSeconds(5))).isEqualTo("5s");
        assertThat(QueryTemplates.window(Duration.ofMinutes(1))).isEqualTo("1m");
        assertThat(QueryTemplates.window(Duration.ofMillis(2500))).isEqualTo("2500ms");
    }
}
