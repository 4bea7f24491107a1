package io.glidepath.analysis;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Stable and canary side by side over the same window. On a route whose split is sticky (each client
 * keeps its track), {@code clientShare} is the canary's share of clients: the split's weight, which
 * the router's hash of the client id applies to clients, not to requests. A source that cannot tell
 * leaves it empty. A source that reveals clients (the router, on a sticky split) gives the clients whose
 * observation window ended in this window ({@link ClientOutcome}), possibly none; a source that does
 * not leaves {@code clients} empty.
 */
public record TrafficWindow(Duration window, TrackFigures stable, TrackFigures canary, OptionalDouble clientShare,
                            Optional<List<ClientOutcome>> clients) {

    public TrafficWindow {
        if (clientShare.isPresent() && !(clientShare.getAsDouble() >= 0 && clientShare.getAsDouble() <= 1)) {
            throw new IllegalArgumentException("the canary's share of clients must be from 0 to 1; got " + clientShare.getAsDouble());
        }
        clients = clients.map(List::copyOf);
    }

    /** A window whose source reveals no clients. */
    public TrafficWindow(Duration window, TrackFigures stable, TrackFigures canary, OptionalDouble clientShare) {
        this(window, stable, canary, clientShare, Optional.empty());
    }

    /** A window of a split that is not sticky, or whose source does not tell. */
    public TrafficWindow(Duration window, TrackFigures stable, TrackFigures canary) {
        this(window, stable, canary, OptionalDouble.empty());
    }

    /** No window: what a judge's conclusion, which looks at no traffic of its own, carries. */
    public static TrafficWindow none() {
        return new TrafficWindow(Duration.ZERO, TrackFigures.none(), TrackFigures.none());
    }

    /** Whether the window's source reveals the clients of a sticky split (it may have revealed none in this window). */
    public boolean revealsClients() {
        return clients.isPresent();
    }

    /**
     * Whether the window counts clients as well as requests: the split is sticky, and both tracks
     * report how many clients had their first error in it.
     */
    public boolean countsClients() {
        return clientShare.isPresent() && stable.firstClientErrors().isPresent() && canary.firstClientErrors().isPresent();
    }
}
