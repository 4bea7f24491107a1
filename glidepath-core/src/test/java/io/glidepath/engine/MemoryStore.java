package io.glidepath.engine;

import io.glidepath.journal.ReleaseEvent;
import io.glidepath.platform.Instance;
import io.glidepath.store.ReleaseRecord;
import io.glidepath.store.ServiceRecord;
import io.glidepath.store.Store;
import io.glidepath.journal.StoredEvent;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The store seam in memory, for engine tests. */
final class MemoryStore implements Store {
    final Map<String, ReleaseRecord> releases = new ConcurrentHashMap<>();
    final Map<String, List<StoredEvent>> events = new ConcurrentHashMap<>();
    final Map<String, ServiceRecord> services = new ConcurrentHashMap<>();
    final Map<String, String> locks = new ConcurrentHashMap<>();
    final Map<String, Instance> instances = new ConcurrentHashMap<>();

    @Override
    public void createRelease(ReleaseRecord r) {
        releases.put(r.id(), r);
    }

    @Override
    public void updateRelease(ReleaseRecord r) {
        releases.put(r.id(), r);
    }

    @Override
    public Optional<ReleaseRecord> release(String id) {
        return Optional.ofNullable(releases.get(id));
    }

    @Override
    public List<ReleaseRecord> releases(int limit) {
        return releases.values().stream().sorted(Comparator.comparing(ReleaseRecord::submitted).reversed()).limit(limit).toList();
    }

    /** Runs before each append, outside the store's lock (a test may hold a write there, as a slow database would). */
    volatile java.util.function.Consumer<ReleaseEvent> beforeAppend = e -> { };

    @Override
    public long append(String releaseId, ReleaseEvent event) {
        beforeAppend.accept(event);
        return appendNow(releaseId, event);
    }

    private synchronized long appendNow(String releaseId, ReleaseEvent event) {
        List<StoredEvent> l = events.computeIfAbsent(releaseId, k -> new ArrayList<>());
        l.add(new StoredEvent(releaseId, l.size() + 1, event));
        return l.size();
    }

    @Override
    public synchronized List<StoredEvent> events(String releaseId, long afterSeq) {
        return events.getOrDefault(releaseId, List.of()).stream().filter(e -> e.seq() > afterSeq).toList();
    }

    @Override
    public Optional<ServiceRecord> service(String name) {
        return Optional.ofNullable(services.get(name));
    }

    @Override
    public void saveService(ServiceRecord s) {
        services.put(s.name(), s);
    }

    @Override
    public List<ServiceRecord> services() {
        return List.copyOf(services.values());
    }

    @Override
    public synchronized Optional<String> lock(List<String> names, String releaseId) {
        for (String n : names) {
            String h = locks.get(n);
            if (h != null && !h.equals(releaseId)) {
                return Optional.of(h);
            }
        }
        names.forEach(n -> locks.put(n, releaseId));
        return Optional.empty();
    }

    @Override
    public synchronized void unlock(List<String> names, String releaseId) {
        names.forEach(n -> locks.remove(n, releaseId));
    }

    @Override
    public Optional<String> holder(String service) {
        return Optional.ofNullable(locks.get(service));
    }

    @Override
    public void save(Instance instance) {
        instances.put(instance.id(), instance);
    }

    @Override
    public void remove(String instanceId) {
        instances.remove(instanceId);
    }

    @Override
    public List<Instance> instances() {
        return List.copyOf(instances.values());
    }

    @Override
    public void close() {
    }
}
