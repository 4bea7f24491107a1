package io.glidepath.kubernetes;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The cluster a server runs services on: how to reach its API server and the platform's settings.
 * {@link #fromKubeconfig} reads what kubectl reads (KUBECONFIG, ~/.kube/config, or the service
 * account of a pod), so the server needs no credentials of its own in any file of Glidepath's.
 */
public record KubernetesTarget(Supplier<KubernetesClient> connect, KubernetesPlatform.Settings settings) {

    /** {@code context}: a kubeconfig context other than the current one. */
    public static KubernetesTarget fromKubeconfig(Optional<String> context, KubernetesPlatform.Settings settings) {
        return new KubernetesTarget(() -> new KubernetesClientBuilder().withConfig(Config.autoConfigure(context.orElse(null))).build(), settings);
    }

    /** A client of an API server at {@code url} (tests, or a proxy such as {@code kubectl proxy}). */
    public static KubernetesTarget at(String url, KubernetesPlatform.Settings settings) {
        return new KubernetesTarget(() -> new KubernetesClientBuilder().withConfig(new io.fabric8.kubernetes.client.ConfigBuilder()
                .withMasterUrl(url).withNamespace(settings.namespace()).withTrustCerts(false).build()).build(), settings);
    }
}
