package io.glidepath.platform;

import java.util.List;

/**
 * Where the platform records the instances it started, so that a restarted server adopts them
 * instead of starting duplicates. The store implements it.
 */
public interface InstanceRegistry {
    void save(Instance instance);

    void remove(String instanceId);

    List<Instance> instances();
}
