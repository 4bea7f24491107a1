package io.glidepath.platform;

import io.glidepath.spec.Readiness;
import io.glidepath.spec.RunSpec;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A version of a service as the platform runs it; {@code baseDir} resolves a relative workdir. A
 * platform that labels what it runs names the {@code release} that started it, and one that probes
 * by itself (a kubelet) takes the release file's {@code readiness}.
 */
public record ServiceVersion(String service, String version, RunSpec run, Path baseDir, Optional<String> release, Optional<Readiness> readiness) {

    public ServiceVersion(String service, String version, RunSpec run, Path baseDir) {
        this(service, version, run, baseDir, Optional.empty(), Optional.empty());
    }
}
