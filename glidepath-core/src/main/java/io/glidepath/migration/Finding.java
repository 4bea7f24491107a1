package io.glidepath.migration;

import java.util.Optional;

/**
 * Something the safety gate found in a migration statement: where (the migration file, relative to the
 * release file, and the line), which rule, what exactly ({@code detail}, such as "CREATE INDEX
 * orders_sku_idx on orders without CONCURRENTLY"), and, when the release file allows it, the reason
 * it gave. A finding without an allowance blocks the release.
 */
public record Finding(MigrationPhase phase, String file, int line, MigrationRule rule, String detail, Optional<String> allowedBecause) {

    public boolean blocks() {
        return allowedBecause.isEmpty();
    }

    public Finding allowed(String reason) {
        return new Finding(phase, file, line, rule, detail, Optional.of(reason));
    }

    /** {@code db/expand/V5__index.sql:3: require-concurrent-index-creation: CREATE INDEX ... (why) Safe way: ...} */
    public String describe() {
        return file + ":" + line + ": " + rule.id() + ": " + detail + ". Why: " + rule.why() + ". Safe way: " + rule.safeWay()
                + allowedBecause.map(r -> ". Allowed by the release file: " + r).orElse("");
    }
}
