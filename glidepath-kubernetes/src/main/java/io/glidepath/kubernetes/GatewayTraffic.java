package io.glidepath.kubernetes;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPBackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPBackendRefBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteList;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteMatchBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteRule;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteRuleBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReference;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReferenceBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.InvalidRouteException;
import io.glidepath.route.RouteJson;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.RouteState;
import io.glidepath.time.Clock;
import io.glidepath.traffic.StaleRouteException;
import io.glidepath.traffic.TrafficException;
import io.glidepath.traffic.TrafficRouter;
import java.net.HttpURLConnection;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * Traffic through a Gateway API implementation the cluster already runs (Istio, Linkerd, Envoy
 * Gateway, ...): one HTTPRoute per route, whose backendRefs are the versions' headless Services,
 * weighted as the route's tracks. A step counts only once the gateway has taken it: the route's
 * status, for this gateway, says Accepted and ResolvedRefs with the generation just written (as
 * Flagger does since its PR #1791). A backend the gateway cannot resolve fails the step with its
 * reason.
 *
 * <p>What this mode cannot do, and says so (docs/kubernetes.md): no sticky split (the Gateway API has
 * no portable weighted session affinity, so a user may move between versions), no canary shield, no
 * in-flight counts (draining is the pods' own termination grace), no per-second figures of its own
 * (the judge reads Prometheus). The preview track is a header match on the preview key, which is as
 * secret as the HTTPRoute object is.
 */
public final class GatewayTraffic implements TrafficRouter {
    static final String ROUTE_ANNOTATION = "glidepath.io/route";
    static final String GENERATION_ANNOTATION = "glidepath.io/generation";
    static final String PREVIEW_ANNOTATION = "glidepath.io/preview-key";
    static final String ROUTE_LABEL = "glidepath.io/route";
    private static final Duration POLL = Duration.ofMillis(50);

    private final KubernetesClient client;
    private final Settings settings;
    private final Function<EndpointAddress, Optional<String>> serviceOf;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    /**
     * {@code gateway}: the Gateway the routes attach to ({@code namespace/name}); {@code entry}: where
     * users' traffic enters it (smoke tests through it); {@code confirmWithin}: how long a step waits
     * for the gateway's status.
     */
    public record Settings(String namespace, String gatewayNamespace, String gatewayName, EndpointAddress entry, Duration confirmWithin) {
    }

    /** {@code serviceOf}: the version Service whose pod has this address ({@link KubernetesPlatform#serviceOf}). */
    public GatewayTraffic(KubernetesClient client, Settings settings, Function<EndpointAddress, Optional<String>> serviceOf, Clock clock) {
        this.client = client;
        this.settings = settings;
        this.serviceOf = serviceOf;
        this.clock = clock;
    }

    @Override
    public RouteState apply(RouteSpec spec, OptionalLong expectedGeneration) throws TrafficException, StaleRouteException {
        HTTPRoute existing = routes().withName(objectName(spec.name())).get();
        long generation = existing == null ? 0 : generationOf(existing);
        if (expectedGeneration.isPresent() && expectedGeneration.getAsLong() != generation) {
            throw new StaleRouteException("route " + spec.name() + " is at generation " + generation + ", not " + expectedGeneration.getAsLong()
                    + ": someone changed it meanwhile; read it again");
        }
        String previewKey = existing == null ? newKey() : existing.getMetadata().getAnnotations().getOrDefault(PREVIEW_ANNOTATION, newKey());
        HTTPRoute wanted = build(spec, generation + 1, previewKey);
        HTTPRoute written = null;
        for (int attempt = 0; written == null; attempt++) {
            try {
                if (existing == null) {
                    written = routes().resource(wanted).create();
                } else {
                    wanted.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
                    written = routes().resource(wanted).update();
                }
            } catch (KubernetesClientException e) {
                if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
                    throw new TrafficException("cannot write HTTPRoute " + objectName(spec.name()) + ": " + e.getMessage(), e);
                }
                // the gateway writing its status changes the resourceVersion too; only another writer of the route makes this one stale
                HTTPRoute now = routes().withName(objectName(spec.name())).get();
                if (now == null || existing == null || generationOf(now) != generation || attempt >= 10) {
                    throw new StaleRouteException("route " + spec.name() + " was written by someone else meanwhile (HTTPRoute "
                            + objectName(spec.name()) + "); read it again");
                }
                existing = now;
            }
        }
        awaitTaken(written);
        return new RouteState(spec, generation + 1, previewKey);
    }

    @Override
    public void remove(String route) throws TrafficException {
        try {
            routes().withName(objectName(route)).delete();
        } catch (KubernetesClientException e) {
            throw new TrafficException("cannot delete HTTPRoute " + objectName(route) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<RouteState> current(String route) throws TrafficException {
        HTTPRoute r;
        try {
            r = routes().withName(objectName(route)).get();
        } catch (KubernetesClientException e) {
            throw new TrafficException("cannot read HTTPRoute " + objectName(route) + ": " + e.getMessage(), e);
        }
        if (r == null) {
            return Optional.empty();
        }
        try {
            RouteSpec spec = RouteJson.readSpec(route, RouteJson.readTree(r.getMetadata().getAnnotations().get(ROUTE_ANNOTATION)));
            return Optional.of(new RouteState(spec, generationOf(r), r.getMetadata().getAnnotations().get(PREVIEW_ANNOTATION)));
        } catch (InvalidRouteException | JsonProcessingException | RuntimeException e) {
            throw new TrafficException("HTTPRoute " + objectName(route) + " has no readable " + ROUTE_ANNOTATION + " annotation (was it written by "
                    + "Glidepath?): " + e.getMessage(), e);
        }
    }

    /** The gateway does not tell: nothing is counted, and the pods' termination grace covers requests in flight. */
    @Override
    public Map<EndpointAddress, Integer> inflight(String route) {
        return Map.of();
    }

    @Override
    public EndpointAddress entry() {
        return settings.entry();
    }

    @Override
    public String via() {
        return "the Gateway API: HTTPRoutes attached to Gateway " + gateway() + ", users entering at " + settings.entry();
    }

    @Override
    public List<String> limits() {
        return List.of("no sticky split: during a canary a user's requests may go to either version",
                "no canary shield: a failed request is not retried on stable",
                "no in-flight counts: draining is the pods' own termination grace (stopGrace)",
                "figures only from Prometheus: every service needs analysis.metrics.prometheus",
                "no mirror steps: the copies' figures are counted by Glidepath's router only");
    }

    /** The HTTPRoute of a route: its match, and per track the versions' Services weighted by their share of the track's endpoints. */
    HTTPRoute build(RouteSpec spec, long generation, String previewKey) throws TrafficException {
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(ROUTE_ANNOTATION, RouteJson.writeSpec(spec).toString());
        annotations.put(GENERATION_ANNOTATION, String.valueOf(generation));
        annotations.put(PREVIEW_ANNOTATION, previewKey);
        List<HTTPBackendRef> backends = new ArrayList<>();
        backends.addAll(backends(spec.stable(), RouteSpec.FULL_WEIGHT - (spec.canary().isEmpty() ? 0 : spec.canaryWeight()), "stable"));
        backends.addAll(backends(spec.canary(), spec.canaryWeight(), "canary"));
        List<HTTPRouteRule> rules = new ArrayList<>();
        if (!spec.preview().isEmpty()) {
            // the preview track: only requests that carry the route's preview key reach it
            rules.add(new HTTPRouteRuleBuilder().withMatches(match(spec, previewKey)).withBackendRefs(backends(spec.preview(), 1, "preview")).build());
        }
        rules.add(new HTTPRouteRuleBuilder().withMatches(match(spec, null)).withBackendRefs(backends).build());
        HTTPRouteBuilder b = new HTTPRouteBuilder().withNewMetadata().withName(objectName(spec.name())).withNamespace(settings.namespace())
                .addToLabels(VersionResources.MANAGED_BY, VersionResources.MANAGER).addToLabels(ROUTE_LABEL, spec.name())
                .withAnnotations(annotations).endMetadata()
                .withNewSpec().withParentRefs(parent()).withRules(rules).endSpec();
        if (spec.match().host() != null) {
            b.editSpec().withHostnames(spec.match().host()).endSpec();
        }
        return b.build();
    }

    private List<HTTPBackendRef> backends(List<EndpointAddress> endpoints, int trackWeight, String track) throws TrafficException {
        Map<String, Integer> perService = new LinkedHashMap<>();
        Map<String, Integer> portOf = new LinkedHashMap<>();
        for (EndpointAddress e : endpoints) {
            String svc = serviceOf.apply(e).orElseThrow(() -> new TrafficException("the " + track + " endpoint " + e + " is no pod this server "
                    + "manages: the Gateway API routes to Services, so every endpoint must belong to a version's Service", null));
            perService.merge(svc, 1, Integer::sum);
            portOf.put(svc, e.port());
        }
        List<HTTPBackendRef> refs = new ArrayList<>();
        int total = endpoints.size();
        perService.forEach((svc, n) -> refs.add(new HTTPBackendRefBuilder().withName(svc).withPort(portOf.get(svc))
                .withWeight((int) Math.round((double) trackWeight * n / total)).build()));
        return refs;
    }

    private HTTPRouteMatch match(RouteSpec spec, String previewKey) {
        HTTPRouteMatchBuilder m = new HTTPRouteMatchBuilder().withNewPath().withType("PathPrefix").withValue(spec.match().pathPrefix()).endPath();
        if (previewKey != null) {
            m.addNewHeader().withType("Exact").withName(RouteSpec.PREVIEW_KEY_HEADER).withValue(previewKey).endHeader();
        }
        return m.build();
    }

    private ParentReference parent() {
        return new ParentReferenceBuilder().withGroup("gateway.networking.k8s.io").withKind("Gateway").withNamespace(settings.gatewayNamespace())
                .withName(settings.gatewayName()).build();
    }

    /** Waits until the gateway reports this generation of the route Accepted and its backends resolved; fails on a refusal. */
    private void awaitTaken(HTTPRoute written) throws TrafficException {
        long generation = Optional.ofNullable(written.getMetadata().getGeneration()).orElse(1L);
        String name = written.getMetadata().getName();
        Instant deadline = clock.now().plus(settings.confirmWithin());
        String last = "no status from the gateway yet";
        while (true) {
            HTTPRoute r = routes().withName(name).get();
            Optional<RouteParentStatus> mine = r == null || r.getStatus() == null ? Optional.empty()
                    : Optional.ofNullable(r.getStatus().getParents()).orElse(List.of()).stream().filter(p -> sameParent(p.getParentRef())).findFirst();
            if (mine.isPresent()) {
                Optional<Condition> accepted = condition(mine.get(), "Accepted", generation);
                Optional<Condition> resolved = condition(mine.get(), "ResolvedRefs", generation);
                if (accepted.isPresent() && "False".equals(accepted.get().getStatus())) {
                    throw new TrafficException("the gateway " + gateway() + " refused HTTPRoute " + name + " (generation " + generation + "): "
                            + accepted.get().getReason() + ": " + accepted.get().getMessage(), null);
                }
                if (resolved.isPresent() && "False".equals(resolved.get().getStatus())) {
                    throw new TrafficException("the gateway " + gateway() + " cannot resolve a backend of HTTPRoute " + name + " (generation "
                            + generation + "): " + resolved.get().getReason() + ": " + resolved.get().getMessage(), null);
                }
                if (accepted.isPresent() && resolved.isPresent()) {
                    return;
                }
                last = "status for an older generation, or without Accepted and ResolvedRefs";
            }
            if (clock.now().isAfter(deadline)) {
                throw new TrafficException("the gateway " + gateway() + " did not take HTTPRoute " + name + " generation " + generation + " within "
                        + settings.confirmWithin().toSeconds() + " s (" + last + "); is a controller for that Gateway running?", null);
            }
            try {
                clock.sleep(POLL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TrafficException("interrupted while waiting for the gateway", e);
            }
        }
    }

    private static Optional<Condition> condition(RouteParentStatus s, String type, long generation) {
        return Optional.ofNullable(s.getConditions()).orElse(List.of()).stream()
                .filter(c -> type.equals(c.getType()) && Optional.ofNullable(c.getObservedGeneration()).orElse(0L) >= generation).findFirst();
    }

    private boolean sameParent(ParentReference p) {
        return p != null && settings.gatewayName().equals(p.getName())
                && settings.gatewayNamespace().equals(Optional.ofNullable(p.getNamespace()).orElse(settings.namespace()));
    }

    private String gateway() {
        return settings.gatewayNamespace() + "/" + settings.gatewayName();
    }

    private static long generationOf(HTTPRoute r) {
        try {
            return Long.parseLong(r.getMetadata().getAnnotations().getOrDefault(GENERATION_ANNOTATION, "0"));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** {@code glidepath-<route>}, a DNS name: a route name's '_' becomes '-', with a hash of the name so two names never meet. */
    static String objectName(String route) {
        if (!route.contains("_")) {
            return "glidepath-" + route;
        }
        return "glidepath-" + route.replace('_', '-') + "-" + VersionResources.sha256(route).substring(0, 6);
    }

    private String newKey() {
        byte[] b = new byte[16];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private NonNamespaceOperation<HTTPRoute, HTTPRouteList, Resource<HTTPRoute>> routes() {
        MixedOperation<HTTPRoute, HTTPRouteList, Resource<HTTPRoute>> all = client.resources(HTTPRoute.class, HTTPRouteList.class);
        return all.inNamespace(settings.namespace());
    }
}
