package io.glidepath.platform;

import io.glidepath.route.EndpointAddress;
import java.nio.file.Path;
import java.time.Instant;

/**
 * One running copy of a service version. {@code pid} with {@code processStart} identify the OS
 * process even after a restart of the server (a reused pid has another start time).
 */
public record Instance(String id, String service, String version, EndpointAddress address, long pid, Instant processStart,
                       Path log, Instant startedAt) {
}
