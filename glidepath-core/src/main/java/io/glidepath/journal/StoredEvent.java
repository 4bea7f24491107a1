package io.glidepath.journal;


/** A journaled event with its position in the release's journal (from 1). */
public record StoredEvent(String releaseId, long seq, ReleaseEvent event) {
}
