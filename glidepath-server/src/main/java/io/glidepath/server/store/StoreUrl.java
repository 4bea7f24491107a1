package io.glidepath.server.store;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Where the store is, as a JDBC URL: {@code jdbc:sqlite:FILE} or
 * {@code jdbc:postgresql://HOST:PORT/DB?user=USER}. The password is kept apart from the URL (taken out
 * of it when it was written there, else from {@value #PASSWORD_ENV}), so {@link #url()} and
 * {@link #toString()} can be shown and logged and the password never is.
 */
public final class StoreUrl {
    /** Where the PostgreSQL password may come from, so that it needs not be on a command line. */
    public static final String PASSWORD_ENV = "GLIDEPATH_STORE_PASSWORD";

    private static final String SQLITE_PREFIX = "jdbc:sqlite:";
    private static final String POSTGRESQL_PREFIX = "jdbc:postgresql:";
    private static final Pattern PASSWORD_PARAM = Pattern.compile("(?i)(password=)[^&]*");
    private static final Pattern USER_INFO = Pattern.compile("//([^/@:]*):[^/@]*@");

    private final Dialect dialect;
    private final String url;
    private final Optional<String> password;

    private StoreUrl(Dialect dialect, String url, Optional<String> password) {
        this.dialect = dialect;
        this.url = url;
        this.password = password;
    }

    /** The default store: SQLite in {@code file}. */
    public static StoreUrl sqlite(Path file) {
        return new StoreUrl(Dialect.SQLITE, SQLITE_PREFIX + file.toAbsolutePath(), Optional.empty());
    }

    /**
     * Reads a store URL as a user wrote it. {@code passwordFromEnv} is used when the URL has none.
     *
     * @throws IllegalArgumentException naming the URL (masked) and the forms accepted
     */
    public static StoreUrl parse(String text, Optional<String> passwordFromEnv) {
        String raw = text == null ? "" : text.strip();
        if (raw.isEmpty()) {
            throw new IllegalArgumentException("the store URL is empty: write jdbc:postgresql://HOST:PORT/DB?user=USER (password in $"
                    + PASSWORD_ENV + ") or jdbc:sqlite:PATH");
        }
        if (raw.startsWith(SQLITE_PREFIX)) {
            String file = raw.substring(SQLITE_PREFIX.length());
            if (file.isBlank() || file.contains(":memory:")) {
                throw new IllegalArgumentException("the store " + mask(raw) + " names no file: write jdbc:sqlite:PATH");
            }
            return file.startsWith("file:") ? new StoreUrl(Dialect.SQLITE, raw, Optional.empty()) : sqlite(Path.of(file));
        }
        if (raw.startsWith(POSTGRESQL_PREFIX)) {
            if (USER_INFO.matcher(raw).find()) {
                throw new IllegalArgumentException("the store " + mask(raw) + " has user:password@ in it, which the PostgreSQL driver does not read: "
                        + "write jdbc:postgresql://HOST:PORT/DB?user=USER and give the password in $" + PASSWORD_ENV);
            }
            Properties props = org.postgresql.Driver.parseURL(raw, new Properties());
            if (props == null) {
                throw new IllegalArgumentException("the store " + mask(raw) + " is not a PostgreSQL JDBC URL the driver can read: "
                        + "write jdbc:postgresql://HOST:PORT/DB?user=USER");
            }
            Optional<String> inUrl = Optional.ofNullable(props.getProperty("password"));
            return new StoreUrl(Dialect.POSTGRESQL, withoutPassword(raw), inUrl.or(() -> passwordFromEnv.filter(p -> !p.isEmpty())));
        }
        throw new IllegalArgumentException("unknown store " + mask(raw) + ": write jdbc:postgresql://HOST:PORT/DB?user=USER (password in $"
                + PASSWORD_ENV + ") or jdbc:sqlite:PATH");
    }

    /** {@code url} with any password in it replaced by {@code ***}: for messages about a URL as a user wrote it. */
    public static String mask(String url) {
        String masked = PASSWORD_PARAM.matcher(url).replaceAll("$1***");
        return USER_INFO.matcher(masked).replaceAll("//$1:***@");
    }

    private static String withoutPassword(String url) {
        int q = url.indexOf('?');
        if (q < 0) {
            return url;
        }
        String params = Arrays.stream(url.substring(q + 1).split("&"))
                .filter(p -> !p.isEmpty() && !p.toLowerCase(Locale.ROOT).startsWith("password="))
                .collect(Collectors.joining("&"));
        return url.substring(0, q) + (params.isEmpty() ? "" : "?" + params);
    }

    public Dialect dialect() {
        return dialect;
    }

    /** The JDBC URL without the password: safe to show, log and pass on a command line. */
    public String url() {
        return url;
    }

    /**
     * The password (from the URL as written or the environment): for the driver, or for a child process's
     * environment; never for a message, a log or a command line.
     */
    public Optional<String> password() {
        return password;
    }

    @Override
    public String toString() {
        return url;
    }
}
