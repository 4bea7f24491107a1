package io.glidepath.store;

import java.time.Instant;
import java.util.Optional;

/** A service as Glidepath knows it: the version serving users and the one before it. */
public record ServiceRecord(String name, String currentVersion, Optional<String> previousVersion, String lastRelease, Instant updated) {
}
