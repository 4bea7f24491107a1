package io.glidepath.engine.internal;

import io.glidepath.journal.ReleaseEvent;

/** Where one release's events go: its journal first (durable when this returns), then whoever follows it. */
@FunctionalInterface
public interface EventSink {
    void emit(ReleaseEvent e);
}
