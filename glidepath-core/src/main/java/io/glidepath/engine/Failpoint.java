package io.glidepath.engine;

import io.glidepath.journal.ReleaseEvent;
import io.glidepath.journal.Phase;
import io.glidepath.journal.EventJson;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A point at which the control plane dies on purpose, to prove crash recovery: right after the
 * journal write of a chosen event, before the step it announces. Written
 * {@code RELEASE:KIND[.PHASE][@SERVICE][#N]}: the N-th (default first) event of that kind (for
 * {@code phase} events, optionally only those entering PHASE), of that service ({@code @release}
 * for the release as a whole; no {@code @}: any), in the release named RELEASE; for example
 * {@code shop-2:traffic@catalog#2} or {@code shop-2:phase.DONE@gateway}.
 * The server reads one from $GLIDEPATH_FAILPOINT and halts the JVM there (as abruptly as SIGKILL:
 * no shutdown hooks, no finally blocks).
 */
public final class Failpoint {
    private static final Pattern FORM = Pattern.compile("([^:]+):([A-Za-z]+)(?:\\.([A-Z_]+))?(?:@([\\w.-]+))?(?:#(\\d+))?");

    private final String release;
    private final String kind;
    private final Phase phase;
    private final String service;
    private final int nth;
    private final Runnable crash;
    private final AtomicInteger seen = new AtomicInteger();

    private Failpoint(String release, String kind, Phase phase, String service, int nth, Runnable crash) {
        this.release = release;
        this.kind = kind;
        this.phase = phase;
        this.service = service;
        this.nth = nth;
        this.crash = crash;
    }

    /** Parses {@code text}; empty when it is blank. Throws with the expected form when it is malformed. */
    public static Optional<Failpoint> parse(String text, Runnable crash) {
        if (text == null || text.isBlank()) {
            return Optional.empty();
        }
        Matcher m = FORM.matcher(text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("failpoint '" + text + "' is not RELEASE:KIND[.PHASE][@SERVICE][#N], as in shop-2:traffic@catalog#2");
        }
        Phase phase;
        try {
            phase = m.group(3) == null ? null : Phase.valueOf(m.group(3));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("failpoint '" + text + "': " + m.group(3) + " is not a phase; one of " + java.util.Arrays.toString(Phase.values()));
        }
        return Optional.of(new Failpoint(m.group(1), m.group(2), phase, m.group(4), m.group(5) == null ? 1 : Integer.parseInt(m.group(5)), crash));
    }

    /** Called after each journal write; crashes when this is the point. */
    public void after(String releaseId, ReleaseEvent e) {
        if (!releaseId.equals(release) || !EventJson.kind(e).equals(kind)) {
            return;
        }
        if (phase != null && !(e instanceof ReleaseEvent.PhaseChanged p && p.phase() == phase)) {
            return;
        }
        if (service != null && !(service.equals("release") ? e.service() == null : service.equals(e.service()))) {
            return;
        }
        if (seen.incrementAndGet() == nth) {
            crash.run();
        }
    }

    @Override
    public String toString() {
        return release + ":" + kind + (phase == null ? "" : "." + phase) + (service == null ? "" : "@" + service) + "#" + nth;
    }
}
