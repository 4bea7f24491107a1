package io.glidepath.testkit.judge;

import io.glidepath.analysis.Judge;
import io.glidepath.analysis.TrafficWindow;
import io.glidepath.analysis.Verdict;
import java.util.List;

/** A benchmark judge that only compares the canary with stable: each failing verdict is its decision, and nothing is left after promotion. */
interface AgainstStableOnly extends Judge {

    @Override
    default Verdict promoted(TrafficWindow w) {
        return new Verdict(Verdict.Outcome.INCONCLUSIVE, "inconclusive: this judge compares the canary with stable, and there is no stable after promotion",
                List.of(), w);
    }

    @Override
    default int failAfter() {
        return 1;
    }
}
