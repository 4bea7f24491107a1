package io.glidepath.risk;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * How risky a release is, from its chance of being rolled back ({@link RiskModel}): below
 * {@link #MEDIUM_FROM} low, below {@link #HIGH_FROM} medium, else high. The cut-offs sit around the
 * prior's plain release (5%): a routine change stays low whatever the hour or day, one with two or
 * three strong signals is medium, and high means about one in three such releases comes back.
 */
public enum RiskLevel {
    LOW, MEDIUM, HIGH;

    /** From this chance of a rollback a release is medium risk: three times a plain release's 5%. */
    public static final double MEDIUM_FROM = 0.15;
    /** From this chance it is high risk: about one such release in three comes back. */
    public static final double HIGH_FROM = 0.30;

    public static RiskLevel of(double probability) {
        return probability >= HIGH_FROM ? HIGH : probability >= MEDIUM_FROM ? MEDIUM : LOW;
    }

    /** "low", "medium", "high": as policies and answers write it. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<RiskLevel> parse(String text) {
        return Arrays.stream(values()).filter(l -> l.label().equals(text)).findFirst();
    }

    public static List<String> labels() {
        return Arrays.stream(values()).map(RiskLevel::label).toList();
    }

    public boolean atLeast(RiskLevel other) {
        return compareTo(other) >= 0;
    }
}
