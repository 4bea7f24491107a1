package io.glidepath.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The install manifests name only flags the CLI takes, as Kubernetes will pass them (with $(VAR) expanded). */
class KubernetesManifestsTest {
    static final Path MANIFEST = Path.of("..", "deploy", "kubernetes", "glidepath.yaml");

    @Test
    void theServerAndRouterContainersArgumentsParseAsTheCliTakesThem() throws Exception {
        List<HasMetadata> objects;
        try (InputStream in = Files.newInputStream(MANIFEST); KubernetesClient offline = new KubernetesClientBuilder().build()) {
            objects = offline.load(in).items();
        }
        assertThat(objects).extracting(HasMetadata::getKind).contains("ServiceAccount", "Role", "RoleBinding", "Deployment", "Service", "NetworkPolicy",
                "PodDisruptionBudget");
        for (String name : List.of("glidepath-server", "glidepath-router")) {
            Deployment d = objects.stream().filter(o -> o instanceof Deployment && o.getMetadata().getName().equals(name)).map(o -> (Deployment) o)
                    .findFirst().orElseThrow();
            Container c = d.getSpec().getTemplate().getSpec().getContainers().getFirst();
            String[] args = c.getArgs().stream().map(a -> a.replace("$(POD_NAMESPACE)", "shop")
                    .replace("$(GLIDEPATH_STORE_URL)", "jdbc:postgresql://db:5432/glidepath?user=glidepath")).toArray(String[]::new);
            CommandLine.ParseResult parsed = new CommandLine(new Main()).parseArgs(args);
            assertThat(parsed.hasSubcommand()).as(name).isTrue();
            if (name.equals("glidepath-server")) {
                assertThat(d.getSpec().getStrategy().getType()).as(name + ": never two at once").isEqualTo("Recreate");
                // --router-replicas without a value takes the default selector, not the flag after it
                assertThat(parsed.subcommand().matchedOption("--router-replicas").<String>getValue())
                        .isEqualTo("app.kubernetes.io/name=glidepath,app.kubernetes.io/component=router");
            } else {
                assertThat(d.getSpec().getReplicas()).as("the router: several replicas").isGreaterThan(1);
                assertThat(d.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).as("a replica goes once another is ready")
                        .isZero();
                assertThat(c.getReadinessProbe().getHttpGet().getPath()).as("ready once it serves every route").isEqualTo("/ready");
            }
        }
    }
}
