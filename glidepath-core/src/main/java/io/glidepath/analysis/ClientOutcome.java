package io.glidepath.analysis;

import java.time.Duration;
import java.util.List;

/**
 * One client of a sticky split, revealed by the router (docs/analysis.md, "Clients as units"): the
 * level of {@link #REVEALS} it was revealed at, the track it kept, the chance it had of being on the
 * canary given the weights it was seen under ({@code canaryChance}), and its requests and 5xx answers
 * since its first request. A client is revealed once per level, whatever its track, at a moment that
 * does not depend on its track, and only if it kept one track all along.
 */
public record ClientOutcome(int level, boolean canary, double canaryChance, long requests, long errors) {
    /**
     * When a client is revealed: once its requests, at the route's error rate so far (both tracks),
     * would hold {@code expectedErrors}, or {@code by} after its first request, whichever comes first.
     */
    public record Reveal(double expectedErrors, Duration by) {
    }

    /**
     * The levels, each judged by a test of its own (their evidence averaged): an early one, so heavy
     * clients and a canary that fails many clients are judged within minutes, and a late one, which
     * sees each client for longer. A client's own count tells its rate apart from Poisson noise at
     * about ten expected errors; beyond that the spread between clients, which more requests do not
     * shrink, is what limits a client's evidence.
     */
    public static final List<Reveal> REVEALS = List.of(new Reveal(10, Duration.ofMinutes(2)), new Reveal(40, Duration.ofMinutes(10)));

    public ClientOutcome {
        if (level < 0 || level >= REVEALS.size()) {
            throw new IllegalArgumentException("a client's reveal level is from 0 to " + (REVEALS.size() - 1) + "; got " + level);
        }
        if (!(canaryChance >= 0 && canaryChance <= 1)) {
            throw new IllegalArgumentException("a client's chance of the canary must be from 0 to 1; got " + canaryChance);
        }
        if (requests < 1 || errors < 0 || errors > requests) {
            throw new IllegalArgumentException("a client's window holds at least one request and at most as many errors; got " + errors
                    + " errors in " + requests + " requests");
        }
    }
}
