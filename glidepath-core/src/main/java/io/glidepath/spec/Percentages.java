package io.glidepath.spec;

import java.math.BigDecimal;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Percentages the way people write them: {@code 1%}, {@code 0.5%}, {@code 100%}. */
public final class Percentages {
    private static final Pattern FORM = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*%");

    private Percentages() {
    }

    /** The percentage as a fraction (1% is 0.01); empty when the text is not a percentage. */
    public static Optional<Double> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        Matcher m = FORM.matcher(text.trim());
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new BigDecimal(m.group(1)).movePointLeft(2).doubleValue());
    }

    /** {@code 0.005} as {@code 0.5%}. */
    public static String format(double fraction) {
        return BigDecimal.valueOf(fraction).movePointRight(2).stripTrailingZeros().toPlainString() + "%";
    }
}
