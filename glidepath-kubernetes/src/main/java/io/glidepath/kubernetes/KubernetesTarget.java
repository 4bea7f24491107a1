package io.glidepath.kubernetes;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.glidepath.route.EndpointAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The cluster a server runs services on: how to reach its API server, the platform's settings, and
 * how long the server's lease ({@link ServerLease}) lasts unrenewed.
 * {@link #fromKubeconfig} reads what kubectl reads (KUBECONFIG, ~/.kube/config, or the service
 * account of a pod), so the server needs no credentials of its own in any file of Glidepath's.
 */
public record KubernetesTarget(Supplier<KubernetesClient> connect, KubernetesPlatform.Settings settings, Duration lease, Optional<Gateway> gateway,
                               Optional<RouterReplicas.Settings> routerReplicas) {

    /**
     * Traffic through a Gateway API implementation instead of Glidepath's router: the Gateway the
     * routes attach to, and where users' traffic enters it (smoke tests through it).
     */
    public record Gateway(String namespace, String name, EndpointAddress entry, Duration confirmWithin) {
        public static Gateway of(String namespace, String name, EndpointAddress entry) {
            return new Gateway(namespace, name, entry, Duration.ofSeconds(30));
        }
    }

    public KubernetesTarget(Supplier<KubernetesClient> connect, KubernetesPlatform.Settings settings, Duration lease) {
        this(connect, settings, lease, Optional.empty(), Optional.empty());
    }

    /** The same cluster, with traffic moved by HTTPRoutes of {@code g} ({@link GatewayTraffic}). */
    public KubernetesTarget withGateway(Gateway g) {
        return new KubernetesTarget(connect, settings, lease, Optional.of(g), routerReplicas);
    }

    /**
     * The same cluster, with traffic moved by the router's replicas: routes written as ConfigMaps
     * ({@link ClusterRoutes}), a change counted once every ready replica the settings select serves it.
     */
    public KubernetesTarget withRouterReplicas(RouterReplicas.Settings replicas) {
        return new KubernetesTarget(connect, settings, lease, gateway, Optional.of(replicas));
    }
    /** As Kubernetes' own controllers hold theirs: a crashed server's lease lapses after this long. */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(15);

    /** The same cluster, with the server's lease lapsing after {@code d} when it is not renewed. */
    public KubernetesTarget withLease(Duration d) {
        return new KubernetesTarget(connect, settings, d, gateway, routerReplicas);
    }

    /** {@code context}: a kubeconfig context other than the current one. */
    public static KubernetesTarget fromKubeconfig(Optional<String> context, KubernetesPlatform.Settings settings) {
        return new KubernetesTarget(() -> new KubernetesClientBuilder().withConfig(Config.autoConfigure(context.orElse(null))).build(), settings,
                DEFAULT_LEASE);
    }

    /** A client of an API server at {@code url} (tests, or a proxy such as {@code kubectl proxy}). */
    public static KubernetesTarget at(String url, KubernetesPlatform.Settings settings) {
        return new KubernetesTarget(() -> new KubernetesClientBuilder().withConfig(new io.fabric8.kubernetes.client.ConfigBuilder()
                .withMasterUrl(url).withNamespace(settings.namespace()).withTrustCerts(false).build()).build(), settings, DEFAULT_LEASE);
    }
}
