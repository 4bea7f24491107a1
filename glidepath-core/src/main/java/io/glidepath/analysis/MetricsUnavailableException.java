package io.glidepath.analysis;

/** The figures could not be read (the source is down); an analysis interval without figures is inconclusive. */
public final class MetricsUnavailableException extends Exception {
    public MetricsUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
