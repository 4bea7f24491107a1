package io.glidepath.spec;

import io.glidepath.migration.MigrationRule;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A PostgreSQL database a release migrates, as expand/contract. {@code expand} and {@code contract}
 * are folders of Flyway SQL migrations ({@code V<version>__<description>.sql}), relative to the release
 * file: expand migrations run before the new version starts and must keep the previous version
 * working; contract migrations run only once no previous version can touch the database. Both share
 * the database's one Flyway history, so their versions are unique across the two folders.
 *
 * <p>{@code url} is a JDBC URL without a password; {@code passwordEnv} names the environment variable
 * of the server (or CLI) that holds it. {@code lockTimeout} and {@code statementTimeout} are set before
 * every statement. {@code name} is the service's own name for a database declared on a service.
 */
public record DatabaseSpec(String name, String url, Optional<String> passwordEnv, Optional<String> expand, Optional<String> contract,
                           Duration lockTimeout, Duration statementTimeout, List<Allowance> allow, Location location) {

    public static final Duration DEFAULT_LOCK_TIMEOUT = Duration.ofSeconds(1);
    public static final Duration DEFAULT_STATEMENT_TIMEOUT = Duration.ofHours(1);

    public DatabaseSpec {
        allow = List.copyOf(allow);
    }

    /**
     * A finding the file accepts, with the reason people gave: the rule, in which migration file
     * (a path relative to the release file, as the findings name it) and, optionally, on which line.
     */
    public record Allowance(MigrationRule rule, String file, OptionalInt line, String reason, Location location) {

        /** True for a finding of rule {@code r} in {@code findingFile} (both paths compared after ./ and .. are resolved) on {@code findingLine}. */
        public boolean covers(MigrationRule r, String findingFile, int findingLine) {
            return rule == r && Path.of(file).normalize().equals(Path.of(findingFile).normalize())
                    && (line.isEmpty() || line.getAsInt() == findingLine);
        }
    }
}
