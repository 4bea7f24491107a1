package io.glidepath.cli.router;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.glidepath.kubernetes.RouteFeed;
import io.glidepath.router.Router;
import java.time.Duration;

/** A router replica's link to its cluster: the client, and the feed of routes it keeps the router's table to. */
record ClusterFeed(KubernetesClient client, RouteFeed feed) implements AutoCloseable {
    /** How long a starting replica may take to list the routes before it gives up (and its pod restarts). */
    static final Duration LIST_WITHIN = Duration.ofSeconds(30);

    static ClusterFeed start(String kubeContext, String namespace, Router router) {
        KubernetesClient client = new KubernetesClientBuilder().withConfig(Config.autoConfigure(kubeContext)).build();
        try {
            RouteFeed feed = RouteFeed.start(client, namespace, router.routes(), LIST_WITHIN);
            router.routesLoaded();
            return new ClusterFeed(client, feed);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            client.close();
            throw new IllegalStateException("interrupted while listing the routes of namespace " + namespace, e);
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    @Override
    public void close() {
        feed.close();
        client.close();
    }
}
