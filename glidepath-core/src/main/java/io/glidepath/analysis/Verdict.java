package io.glidepath.analysis;

import java.util.List;

/** One interval's judgement, with the figures it rests on and a sentence a person can read. */
public record Verdict(Outcome outcome, String summary, List<String> failures, TrafficWindow figures) {

    public enum Outcome { PASS, FAIL, INCONCLUSIVE }

    public Verdict {
        failures = List.copyOf(failures);
    }

    public boolean failed() {
        return outcome == Outcome.FAIL;
    }
}
