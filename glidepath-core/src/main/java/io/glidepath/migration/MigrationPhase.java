package io.glidepath.migration;

import java.util.Locale;

/**
 * Expand migrations run before a release's new version starts and keep the previous version working;
 * contract migrations run once no previous version can touch the database any more.
 */
public enum MigrationPhase {
    EXPAND, CONTRACT;

    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }
}
