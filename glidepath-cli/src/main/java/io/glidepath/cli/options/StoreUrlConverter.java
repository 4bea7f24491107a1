package io.glidepath.cli.options;

import io.glidepath.server.store.StoreUrl;
import java.util.Optional;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code --store}: a JDBC URL, the password taken from $GLIDEPATH_STORE_PASSWORD when the URL has none.
 * A bad URL is reported masked: picocli shows a {@link TypeConversionException}'s message alone, not the value.
 */
public final class StoreUrlConverter implements ITypeConverter<StoreUrl> {
    public static final String DESCRIPTION = "jdbc:postgresql://HOST:PORT/DB?user=USER (the password in $" + StoreUrl.PASSWORD_ENV
            + ", so it is not on the command line) or jdbc:sqlite:FILE";

    @Override
    public StoreUrl convert(String value) {
        try {
            return StoreUrl.parse(value, passwordFromEnv());
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }

    public static Optional<String> passwordFromEnv() {
        return Optional.ofNullable(System.getenv(StoreUrl.PASSWORD_ENV));
    }
}
