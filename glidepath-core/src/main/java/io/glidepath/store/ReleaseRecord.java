package io.glidepath.store;

import io.glidepath.journal.Outcome;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A release as stored: its file as submitted (the source of truth for resuming it), where relative
 * paths resolve, who submitted it, and how it ended once it has.
 */
public record ReleaseRecord(String id, String file, String source, String baseDir, List<String> services, String submittedBy,
                            Instant submitted, Optional<Outcome> outcome, Optional<String> reason, Optional<Instant> finished) {

    public ReleaseRecord {
        services = List.copyOf(services);
    }

    public ReleaseRecord finish(Outcome o, String why, Instant at) {
        return new ReleaseRecord(id, file, source, baseDir, services, submittedBy, submitted, Optional.of(o), Optional.ofNullable(why), Optional.of(at));
    }

    public boolean isFinished() {
        return outcome.isPresent();
    }
}
