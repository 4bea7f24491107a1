package io.glidepath.kubernetes;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.glidepath.migration.Migrations;
import io.glidepath.platform.ServiceVersion;
import io.glidepath.spec.ContainerSpec;
import io.glidepath.spec.Readiness;
import io.glidepath.spec.RunSpec;
import io.glidepath.spec.Templates;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The Deployment and headless Service of one service version, as pure values. The name is the
 * service's and a hash of (service, version, pod template), so the same version with the same pod
 * spec always maps to the same objects (a restarted server finds them) and a changed spec never
 * reuses them. Labels select; annotations carry what label values cannot hold (a version may have
 * '+'), so the journal and the cluster can be matched after a crash.
 */
public record VersionResources(String name, String specDigest, PodTemplateSpec template, int containerPort) {
    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String MANAGER = "glidepath";
    public static final String APP_NAME = "app.kubernetes.io/name";
    public static final String SERVICE = "glidepath.io/service";
    /** On a fleet customer's objects: the fleet's service, and the customer (its deployment is named SERVICE.CUSTOMER). */
    public static final String FLEET = "glidepath.io/fleet";
    public static final String CUSTOMER = "glidepath.io/customer";
    public static final String VERSION_HASH = "glidepath.io/version-hash";
    public static final String VERSION = "glidepath.io/version";
    public static final String RELEASE = "glidepath.io/release";
    public static final String SPEC_DIGEST = "glidepath.io/spec-digest";
    /** On a previous version kept warm after a release: when the server retires it. */
    public static final String KEEP_UNTIL = "glidepath.io/keep-until";
    /** The pod's name, from the downward API: {@code {{instance}}} in command and env. */
    public static final String INSTANCE_ENV = "GLIDEPATH_INSTANCE";
    /** Read by the ReplicaSet controller: the pod with the lowest cost goes first when a Deployment shrinks. */
    public static final String DELETION_COST = "controller.kubernetes.io/pod-deletion-cost";
    static final String CONTAINER = "app";

    /**
     * Builds the resources of {@code sv}. {@code platformValues} holds the platform's own placeholder
     * values ({@code router}); {@code hostEnv} answers {@code {{env.NAME}}}.
     */
    public static VersionResources of(ServiceVersion sv, Map<String, String> platformValues, Function<String, Optional<String>> hostEnv) {
        RunSpec run = sv.run();
        ContainerSpec c = run.container().orElseThrow(() -> new IllegalArgumentException(sv.service() + " " + sv.version()
                + " has no run.image: Kubernetes runs containers"));
        Map<String, String> values = new LinkedHashMap<>(platformValues);
        values.put("port", String.valueOf(c.port()));
        // Kubernetes expands $(VAR) in command, args and env values: the pod's own name, known only once it exists
        values.put("instance", "$(" + INSTANCE_ENV + ")");
        values.put("version", sv.version());
        values.put("service", sv.service());
        values.put("applicationName", Migrations.applicationName(sv.service(), sv.version()));
        List<EnvVar> env = new ArrayList<>();
        env.add(new EnvVarBuilder().withName(INSTANCE_ENV).withNewValueFrom().withNewFieldRef().withFieldPath("metadata.name").endFieldRef()
                .endValueFrom().build());
        run.env().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> env.add(new EnvVar(e.getKey(), Templates.expand(e.getValue(), values, hostEnv), null)));
        ContainerBuilder container = new ContainerBuilder().withName(CONTAINER).withImage(c.image()).withEnv(env)
                .addNewPort().withName("http").withContainerPort(c.port()).withProtocol("TCP").endPort();
        if (!run.command().isEmpty()) {
            container.withCommand(run.command().stream().map(a -> Templates.expand(a, values, hostEnv)).toList());
        }
        run.workdir().ifPresent(w -> container.withWorkingDir(Templates.expand(w, values, hostEnv)));
        Map<String, Quantity> resources = new LinkedHashMap<>();
        c.cpu().ifPresent(v -> resources.put("cpu", new Quantity(v)));
        c.memory().ifPresent(v -> resources.put("memory", new Quantity(v)));
        if (!resources.isEmpty()) {
            container.withNewResources().withRequests(resources).withLimits(resources).endResources();
        }
        sv.readiness().ifPresent(r -> probe(container, r, c.port()));
        Container built = container.build();

        String unnamed = Serialization.asJson(new PodTemplateSpecBuilder().withNewSpec().withContainers(built)
                .withTerminationGracePeriodSeconds(Math.max(0, run.stopGrace().toSeconds())).endSpec().build());
        String digest = sha256(sv.service() + "\n" + sv.version() + "\n" + unnamed);
        String name = objectName(sv.service(), digest.substring(0, 10));
        Map<String, String> labels = selector(sv.service(), name);
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(VERSION, sv.version());
        sv.release().ifPresent(r -> annotations.put(RELEASE, r));
        annotations.put(SPEC_DIGEST, digest);
        PodTemplateSpec template = new PodTemplateSpecBuilder().withNewMetadata().withLabels(labels).withAnnotations(annotations).endMetadata()
                .withNewSpec().withContainers(built).withTerminationGracePeriodSeconds(Math.max(0, run.stopGrace().toSeconds()))
                .withEnableServiceLinks(false).endSpec().build();
        return new VersionResources(name, digest, template, c.port());
    }

    /** The labels a version's pods carry and its Deployment and Service select. */
    static Map<String, String> selector(String service, String name) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(APP_NAME, service);
        labels.put(MANAGED_BY, MANAGER);
        labels.put(SERVICE, service);
        labels.put(VERSION_HASH, name);
        int dot = service.indexOf('.');
        if (dot > 0) {
            // a fleet's customer: kubectl get pods -l glidepath.io/customer=c03 finds it, -l glidepath.io/fleet=web the whole fleet
            labels.put(FLEET, service.substring(0, dot));
            labels.put(CUSTOMER, service.substring(dot + 1));
        }
        return labels;
    }

    /** {@code <service>-<hash>}: a DNS-1035 label (a Service's name must begin with a letter), at most 63 characters. */
    static String objectName(String service, String hash) {
        // a DNS label (the headless Service's name must be one): a customer's SERVICE.CUSTOMER takes a '-' for its dot
        String label = service.replace('.', '-');
        String base = Character.isLetter(label.charAt(0)) ? label : "s" + label;
        if (base.length() > 52) {
            base = base.substring(0, 52).replaceAll("-+$", "");
        }
        return base + "-" + hash;
    }

    public Deployment deployment(String namespace, int replicas) {
        Map<String, String> labels = template.getMetadata().getLabels();
        return new DeploymentBuilder().withNewMetadata().withName(name).withNamespace(namespace).withLabels(labels)
                .withAnnotations(template.getMetadata().getAnnotations()).endMetadata()
                .withNewSpec().withReplicas(replicas).withNewSelector().withMatchLabels(labels).endSelector().withTemplate(template)
                .withRevisionHistoryLimit(0).endSpec().build();
    }

    /** Headless: the pods' own addresses, in EndpointSlices, for the router; owned by the Deployment, so it goes with it. */
    public Service service(String namespace, Deployment owner) {
        Map<String, String> labels = template.getMetadata().getLabels();
        return new ServiceBuilder().withNewMetadata().withName(name).withNamespace(namespace).withLabels(labels)
                .withAnnotations(template.getMetadata().getAnnotations())
                .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind("Deployment").withName(owner.getMetadata().getName())
                        .withUid(owner.getMetadata().getUid()).withController(true).withBlockOwnerDeletion(true).build())
                .endMetadata()
                .withNewSpec().withClusterIP("None").withSelector(labels).withPublishNotReadyAddresses(false)
                .addNewPort().withName("http").withPort(containerPort).withNewTargetPort(containerPort).withProtocol("TCP").endPort()
                .endSpec().build();
    }

    public Map<String, String> labels() {
        return template.getMetadata().getLabels();
    }

    /** The kubelet probes what the engine's readiness proves, so Kubernetes' own view (EndpointSlices) agrees with it. */
    private static void probe(ContainerBuilder container, Readiness r, int port) {
        var probe = container.withNewReadinessProbe();
        if (r.grpcService().isPresent()) {
            // a gRPC (h2c) service answers no GET: the kubelet's own gRPC health probe asks what the engine asks
            probe.withNewGrpc().withPort(port).withService(r.grpcService().get()).endGrpc();
        } else {
            probe.withNewHttpGet().withPath(r.path()).withNewPort(port).endHttpGet();
        }
        probe.withPeriodSeconds((int) Math.max(1, r.interval().toSeconds())).withTimeoutSeconds((int) Math.max(1, r.timeout().toSeconds()))
                .withSuccessThreshold(1).withFailureThreshold(3).endReadinessProbe();
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
