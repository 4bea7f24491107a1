package io.glidepath.platform;

import io.glidepath.spec.RunSpec;
import java.nio.file.Path;

/** A version of a service as the platform runs it; {@code baseDir} resolves a relative workdir. */
public record ServiceVersion(String service, String version, RunSpec run, Path baseDir) {
}
