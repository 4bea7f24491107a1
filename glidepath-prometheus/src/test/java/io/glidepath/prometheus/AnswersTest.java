package io.glidepath.prometheus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.glidepath.prometheus.Answers.QueryFailed;
import io.glidepath.prometheus.Answers.Sample;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Answers recorded from Prometheus 2.42's /api/v1/query (files named QUERY.STATUS.json), and what each becomes. */
class AnswersTest {

    static byte[] recorded(String name) throws IOException {
        try (InputStream in = AnswersTest.class.getResourceAsStream("answers/" + name)) {
            assertThat(in).as(name).isNotNull();
            return in.readAllBytes();
        }
    }

    static List<Sample> parse(String name) throws Exception {
        return Answers.parse(Integer.parseInt(name.split("\\.")[1]), recorded(name));
    }

    static String failure(String name) {
        return catchThrowableOfType(QueryFailed.class, () -> parse(name)).getMessage();
    }

    @Test
    void aVectorOfOneSampleIsItsValue() throws Exception {
        assertThat(parse("one-sample.200.json")).singleElement().satisfies(s -> {
            assertThat(s.value()).isEqualTo(2.599);
            assertThat(s.labels()).isEmpty();
        });
    }

    @Test
    void aVectorOfSeveralSamplesKeepsEachOnesLabels() throws Exception {
        List<Sample> samples = parse("several.200.json");
        assertThat(samples).hasSizeGreaterThan(1);
        assertThat(samples).extracting(s -> s.labels().get("handler")).contains("/-/ready", "/api/v1/query");
    }

    @Test
    void anEmptyVectorIsNoSample() throws Exception {
        assertThat(parse("empty.200.json")).isEmpty();
    }

    @Test
    void aScalarIsOneSample() throws Exception {
        assertThat(parse("scalar.200.json")).extracting(Sample::value).containsExactly(42.5);
    }

    @Test
    void nanAndInfinityAreReadAsSuch() throws Exception {
        assertThat(parse("nan.200.json")).extracting(Sample::value).containsExactly(Double.NaN);
        assertThat(parse("inf.200.json")).extracting(Sample::value).containsExactly(Double.POSITIVE_INFINITY);
    }

    @Test
    void prometheussErrorsSayWhatItSaid() {
        assertThat(failure("bad-data.400.json")).isEqualTo("refused the query: invalid parameter \"query\": 1:36: parse error: unclosed left parenthesis");
        assertThat(failure("exec-error.422.json")).startsWith("could not run the query (execution): found duplicate series for the match group");
        assertThat(failure("deadline.422.json")).isEqualTo("could not run the query (execution): expanding series: context deadline exceeded");
    }

    @Test
    void aRangeVectorOrAStringIsNotAFigure() {
        assertThat(failure("matrix.200.json")).startsWith("returned a range vector: a query gives one value per track and window");
        assertThat(failure("string.200.json")).isEqualTo("returned a result of type 'string' where a number was expected");
    }

    @Test
    void whatIsNotPrometheussJsonSaysItsStatus() {
        assertThat(catchThrowableOfType(QueryFailed.class, () -> Answers.parse(404, "404 page not found\n".getBytes(StandardCharsets.UTF_8))))
                .hasMessage("answered HTTP 404");
        assertThat(catchThrowableOfType(QueryFailed.class, () -> Answers.parse(401, "Unauthorized".getBytes(StandardCharsets.UTF_8))))
                .hasMessage("answered HTTP 401 (check the credentials in the server's --prometheus URL)");
        assertThat(catchThrowableOfType(QueryFailed.class, () -> Answers.parse(200, "<html>sign in</html>".getBytes(StandardCharsets.UTF_8))))
                .hasMessage("answered something other than Prometheus's JSON (is the URL Prometheus's?)");
        assertThat(catchThrowableOfType(QueryFailed.class, () -> Answers.parse(503, ("{\"status\":\"error\",\"errorType\":\"unavailable\","
                + "\"error\":\"TSDB not ready\"}").getBytes(StandardCharsets.UTF_8)))).hasMessage("could not run the query (unavailable): TSDB not ready");
    }
}
