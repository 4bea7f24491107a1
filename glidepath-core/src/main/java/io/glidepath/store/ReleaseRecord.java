package io.glidepath.store;

import io.glidepath.journal.Outcome;
import java.time.Instant;
import io.glidepath.spec.Includes;
import io.glidepath.spec.InvalidSpecException;
import io.glidepath.spec.ReleaseReader;
import io.glidepath.spec.ReleaseSpec;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A release as stored: its file as submitted (the source of truth for resuming it), the files it
 * names beside it as they were at submission ({@code attachments}, path to text: a fleet file), where
 * relative paths resolve, who submitted it, and how it ended once it has.
 */
public record ReleaseRecord(String id, String file, String source, String baseDir, List<String> services, String submittedBy,
                            Instant submitted, Optional<Outcome> outcome, Optional<String> reason, Optional<Instant> finished,
                            Map<String, String> attachments) {

    public ReleaseRecord {
        services = List.copyOf(services);
        attachments = Map.copyOf(attachments);
    }

    public ReleaseRecord(String id, String file, String source, String baseDir, List<String> services, String submittedBy,
                         Instant submitted, Optional<Outcome> outcome, Optional<String> reason, Optional<Instant> finished) {
        this(id, file, source, baseDir, services, submittedBy, submitted, outcome, reason, finished, Map.of());
    }

    public ReleaseRecord finish(Outcome o, String why, Instant at) {
        return new ReleaseRecord(id, file, source, baseDir, services, submittedBy, submitted, Optional.of(o), Optional.ofNullable(why), Optional.of(at),
                attachments);
    }

    /** The release file as submitted, read with the files stored beside it. */
    public ReleaseSpec spec() throws InvalidSpecException {
        return ReleaseReader.read(file, source, Includes.of(attachments));
    }

    public boolean isFinished() {
        return outcome.isPresent();
    }
}
