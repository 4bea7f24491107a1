package io.glidepath.report;

import io.glidepath.analysis.Verdict;
import io.glidepath.journal.Phase;
import io.glidepath.journal.RollbackCause;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * How people read what a journal holds: a phase, a duration, a verdict's figures, a sequential judge's
 * evidence. {@code glidepath show}, {@code history} and the sign-off report say them the same way.
 * Every number is written with {@link Locale#ROOT}, so the same journal always reads the same.
 */
public final class Words {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSS 'UTC'", Locale.ROOT).withZone(ZoneOffset.UTC);

    private Words() {
    }

    /** A service's phase in a release: "waiting", "smoke-tested", "watching" (promoted, watched), "promoted" (done), "rolled back". */
    public static String phase(Phase phase) {
        return switch (phase) {
            case PENDING -> "waiting";
            case SMOKE_TESTED -> "smoke-tested";
            case PROMOTED -> "watching";
            case DONE -> "promoted";
            default -> phase.name().toLowerCase(Locale.ROOT).replace('_', ' ');
        };
    }

    /** A phase as the API writes it ({@code "DONE"}); a name this version does not know, in lower case. */
    public static String phase(String phase) {
        try {
            return phase(Phase.valueOf(phase));
        } catch (IllegalArgumentException e) {
            return phase.toLowerCase(Locale.ROOT).replace('_', ' ');
        }
    }

    /** "42.5s" under a minute, "3m7s" from a minute. */
    public static String duration(Duration d) {
        long s = d.toSeconds();
        return s >= 60 ? s / 60 + "m" + (s % 60) + "s" : String.format(Locale.ROOT, "%.1fs", d.toMillis() / 1000.0);
    }

    /** How long after {@code from}: "+42.5s" (as the timeline of {@code glidepath show}). */
    public static String offset(Instant from, Instant at) {
        return String.format(Locale.ROOT, "%+.1fs", Duration.between(from, at).toMillis() / 1000.0);
    }

    /** "2026-11-27 10:00:00.000 UTC". */
    public static String time(Instant at) {
        return TIME.format(at);
    }

    /** A share of requests: "4.00%". */
    public static String percent(double rate) {
        return String.format(Locale.ROOT, "%.2f%%", rate * 100);
    }

    /** A latency: "32 ms", or "n/a" when there was none to read. */
    public static String millis(Double millis) {
        return millis == null ? "n/a" : String.format(Locale.ROOT, "%.0f ms", millis);
    }

    /** A canary weight in basis points as the engine writes it: "5%", "2.5%". */
    public static String weight(int basisPoints) {
        return (basisPoints % 100 == 0 ? String.valueOf(basisPoints / 100) : String.valueOf(basisPoints / 100.0)) + "%";
    }

    /** A rollback's cause in words: "analysis", "smoke test", "verify check". */
    public static String cause(RollbackCause cause) {
        return cause.name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }

    /** A verdict's figures: "canary 4.00% errors over 300 requests, p99 32 ms; stable 0.10% over 1200, p99 n/a". */
    public static String figures(long canaryRequests, double canaryErrorRate, Double canaryP99Millis, long stableRequests, double stableErrorRate,
                                 Double stableP99Millis) {
        return "canary " + percent(canaryErrorRate) + " errors over " + canaryRequests + " requests, p99 " + millis(canaryP99Millis) + "; stable "
                + percent(stableErrorRate) + " over " + stableRequests + ", p99 " + millis(stableP99Millis);
    }

    /** One metric of a sequential judge: "errors vs stable: evidence 262.80, ratio 2.10x (1.60-2.90x)[, bursty: evidence divided by 1.80]". */
    public static String metric(Verdict.MetricEvidence m) {
        return m.metric() + ": evidence " + String.format(Locale.ROOT, "%.2f", m.eValue()) + (m.ratio() == null ? ""
                : m.low() == null ? String.format(Locale.ROOT, ", ratio %.2fx observed", m.ratio()) // a ratio with no interval (revealed clients)
                : String.format(Locale.ROOT, ", ratio %.2fx (%.2f-%.2fx)", m.ratio(), nan(m.low()), nan(m.high()))) + m.bursts();
    }

    /** A sequential judge's evidence against the canary: "evidence 131.40 of 100 needed to roll back". */
    public static String evidence(double evidence, double needed) {
        return String.format(Locale.ROOT, "evidence %.2f of %.0f needed to roll back", evidence, needed);
    }

    private static double nan(Double d) {
        return d == null ? Double.NaN : d;
    }
}
