package io.glidepath.cli.options;

import io.glidepath.spec.Durations;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Durations on the command line as in release files: {@code 500ms}, {@code 30s}, {@code 5m}. */
public final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        return Durations.parse(value)
                .orElseThrow(() -> new TypeConversionException("'" + value + "' is not a duration, such as 500ms, 30s or 5m"));
    }
}
