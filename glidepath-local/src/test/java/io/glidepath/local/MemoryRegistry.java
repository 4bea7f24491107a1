package io.glidepath.local;

import io.glidepath.platform.Instance;
import io.glidepath.platform.InstanceRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The registry seam kept in memory, shared by two platforms to play a server restart. */
final class MemoryRegistry implements InstanceRegistry {
    private final Map<String, Instance> byId = new ConcurrentHashMap<>();

    @Override
    public void save(Instance instance) {
        byId.put(instance.id(), instance);
    }

    @Override
    public void remove(String instanceId) {
        byId.remove(instanceId);
    }

    @Override
    public List<Instance> instances() {
        return List.copyOf(byId.values());
    }
}
