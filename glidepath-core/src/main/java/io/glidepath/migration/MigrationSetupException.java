package io.glidepath.migration;

/**
 * A database's migrations cannot be read or run as the release file describes them (a missing folder, a
 * file Flyway would not take, a version in both folders, an unreachable database): the message says
 * where and what to do. Nothing has been changed.
 */
public final class MigrationSetupException extends Exception {
    public MigrationSetupException(String message) {
        super(message);
    }

    public MigrationSetupException(String message, Throwable cause) {
        super(message, cause);
    }
}
