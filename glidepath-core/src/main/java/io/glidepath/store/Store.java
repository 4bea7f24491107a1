package io.glidepath.store;

import io.glidepath.journal.StoredEvent;
import io.glidepath.journal.ReleaseEvent;
import io.glidepath.platform.InstanceRegistry;
import java.util.List;
import java.util.Optional;

/**
 * What the control plane keeps: releases, their append-only journals, each service's current and
 * previous version, which release holds which service, and the platform's instances. SQLite by
 * default, or PostgreSQL.
 */
public interface Store extends InstanceRegistry, AutoCloseable {

    void createRelease(ReleaseRecord release);

    void updateRelease(ReleaseRecord release);

    Optional<ReleaseRecord> release(String id);

    /** Newest first. */
    List<ReleaseRecord> releases(int limit);

    /** Appends to a release's journal; returns the event's sequence number. Durable when it returns. */
    long append(String releaseId, ReleaseEvent event);

    List<StoredEvent> events(String releaseId, long afterSeq);

    Optional<ServiceRecord> service(String name);

    void saveService(ServiceRecord service);

    List<ServiceRecord> services();

    /**
     * Takes every one of {@code services} for {@code releaseId}, or none: returns the release that
     * holds one of them already, if any.
     */
    Optional<String> lock(List<String> services, String releaseId);

    void unlock(List<String> services, String releaseId);

    /** The release holding a service, if any. */
    Optional<String> holder(String service);

    @Override
    void close();
}
