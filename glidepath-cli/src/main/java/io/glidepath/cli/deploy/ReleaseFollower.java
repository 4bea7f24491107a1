package io.glidepath.cli.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.cli.client.ServerClient;
import io.glidepath.cli.term.Terminal;
import io.glidepath.spec.ReleaseSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Follows a release's event stream to its end, showing live progress, reconnecting (from the last
 * event seen) when the stream drops. Used by {@code deploy} and the demo.
 */
public final class ReleaseFollower {

    /** Every event seen, and the last ({@code finished}) one, or null when the server was lost. */
    public record Followed(List<JsonNode> events, JsonNode finished) {
        public String outcome() {
            return finished == null ? "UNKNOWN" : finished.path("outcome").asText();
        }

        /** Promoted or unchanged; everything else (rolled back, failed, STOPPED by a fleet's failure budget, cancelled, unknown) is not. */
        public boolean succeeded() {
            return outcome().equals("PROMOTED") || outcome().equals("UNCHANGED");
        }

        public List<JsonNode> ofKind(String kind) {
            return events.stream().filter(e -> e.path("kind").asText().equals(kind)).toList();
        }
    }

    private ReleaseFollower() {
    }

    /** Follows until the release ends; {@code quiet} prints nothing (events still collected). */
    public static Followed follow(ServerClient client, String id, ReleaseSpec spec, Terminal term, boolean quiet) throws InterruptedException {
        Duration interval = spec.services().stream().map(s -> s.analysis().interval()).findFirst().orElse(Duration.ofSeconds(1));
        Progress progress = new Progress(term, id, spec, interval);
        List<JsonNode> events = new ArrayList<>();
        AtomicLong lastSeq = new AtomicLong();
        JsonNode[] finished = new JsonNode[1];
        int failures = 0;
        while (finished[0] == null && failures < 40) {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            try {
                client.follow(id, lastSeq.get(), e -> {
                    lastSeq.set(e.path("seq").asLong());
                    events.add(e);
                    if (!quiet) {
                        progress.event(e);
                    }
                    if (e.path("kind").asText().equals("finished")) {
                        finished[0] = e;
                        return false;
                    }
                    return !Thread.currentThread().isInterrupted();
                });
                failures = 0;
            } catch (ServerClient.Unreachable | ServerClient.ApiError e) {
                failures++;
            }
            if (finished[0] == null) {
                LockSupport.parkNanos(Duration.ofMillis(250).toNanos()); // before reconnecting to the stream
            }
        }
        if (!quiet) {
            progress.done();
        }
        return new Followed(events, finished[0]);
    }
}
