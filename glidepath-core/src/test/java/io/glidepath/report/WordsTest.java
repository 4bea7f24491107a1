package io.glidepath.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.glidepath.analysis.Verdict;
import org.junit.jupiter.api.Test;

/** A metric's evidence in words: with an interval, with a ratio observed but no interval, with neither. */
class WordsTest {

    @Test
    void aMetricSaysItsEvidenceAndItsRatioWithTheIntervalItHas() {
        assertThat(Words.metric(new Verdict.MetricEvidence("errors vs stable", 262.8, 2.1, 1.6, 2.9)))
                .isEqualTo("errors vs stable: evidence 262.80, ratio 2.10x (1.60-2.90x)");
        assertThat(Words.metric(new Verdict.MetricEvidence("clients' errors vs stable's clients", 140.25, 1.93, null, null)))
                .isEqualTo("clients' errors vs stable's clients: evidence 140.25, ratio 1.93x observed");
        assertThat(Words.metric(new Verdict.MetricEvidence("errors at most 5%", 0.01, null, null, null))).isEqualTo("errors at most 5%: evidence 0.01");
    }

    @Test
    void aMetricWhoseEventsComeInBurstsSaysItsEvidenceIsDividedForThemWhenThatSlowsItNoticeably() {
        assertThat(Words.metric(new Verdict.MetricEvidence("requests slower than stable's p99 vs stable", 3.5, 1.02, 0.8, 1.3, 2.345)))
                .isEqualTo("requests slower than stable's p99 vs stable: evidence 3.50, ratio 1.02x (0.80-1.30x), bursty: evidence divided by 2.35");
        assertThat(Words.metric(new Verdict.MetricEvidence("errors vs stable", 3.5, 1.02, 0.8, 1.3, 1.04)))
                .as("scatter as independent requests have it: nothing to say").isEqualTo("errors vs stable: evidence 3.50, ratio 1.02x (0.80-1.30x)");
    }
}
