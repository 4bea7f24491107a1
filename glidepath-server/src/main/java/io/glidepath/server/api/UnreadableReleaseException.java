package io.glidepath.server.api;

import io.glidepath.api.Failures;

/**
 * The release reader failed on a submitted file in a way it does not report as located errors
 * (a bug, or a file that exhausts it, such as thousands of nested brackets): the client gets a
 * 400 that says so, the server's log the stack trace.
 */
final class UnreadableReleaseException extends Exception {
    UnreadableReleaseException(String file, Throwable cause) {
        super(cause instanceof StackOverflowError
                ? "the release file " + file + " is nested too deeply to read; nothing was started. A release file is a few levels deep: "
                        + "check its brackets and indentation (glidepath validate)"
                : "the release file " + file + " could not be read (" + Failures.describe(cause) + "); nothing was started. Check it with "
                        + "glidepath validate", cause);
    }
}
