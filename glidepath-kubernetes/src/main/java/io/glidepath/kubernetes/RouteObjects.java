package io.glidepath.kubernetes;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.FieldError;
import io.glidepath.route.InvalidRouteException;
import io.glidepath.route.RouteJson;
import io.glidepath.route.RouteState;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A route as the cluster holds it, for every router replica to read: a ConfigMap per route, written
 * only by the server (with resourceVersion preconditions), read by the replicas (a watch). The route
 * is the JSON the router's admin API takes, under {@code route.json}; its generation and preview key
 * are annotations; under {@code services.json}, the version Service of each endpoint the server knows
 * one for, by which a replica keeps each track to its versions' EndpointSlices ({@link TrackEndpoints}). The preview key opens the preview track: it is as secret as the ConfigMap is
 * (who may read ConfigMaps of the namespace), as it was as secret as the router's state file.
 */
public final class RouteObjects {
    /** The label every route object carries: its value is the route's name. */
    public static final String ROUTE = "glidepath.io/route";
    public static final String GENERATION = "glidepath.io/generation";
    public static final String PREVIEW_KEY = "glidepath.io/preview-key";
    public static final String DATA_KEY = "route.json";
    public static final String SERVICES_KEY = "services.json";

    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");

    private RouteObjects() {
    }

    /**
     * {@code glidepath-route-<route>}; a route name that is no DNS subdomain (it holds '_', or ends
     * with '.' or '-') gets those characters replaced and a digest of the name, so no two routes share one.
     */
    public static String objectName(String route) {
        if (DNS_SUBDOMAIN.matcher(route).matches()) {
            return "glidepath-route-" + route;
        }
        String cleaned = route.replaceAll("[^a-z0-9.-]", "-").replaceAll("[.-]+$", "");
        return "glidepath-route-" + cleaned + "-" + VersionResources.sha256(route).substring(0, 8);
    }

    public static ConfigMap toConfigMap(RouteState s, String namespace) {
        return toConfigMap(s, namespace, Map.of());
    }

    /** With {@code services}: the version Service of each endpoint (those without one are served as written). */
    public static ConfigMap toConfigMap(RouteState s, String namespace, Map<EndpointAddress, String> services) {
        com.fasterxml.jackson.databind.node.ObjectNode byAddress = RouteJson.MAPPER.createObjectNode();
        new java.util.TreeMap<>(services.entrySet().stream().collect(java.util.stream.Collectors.toMap(e -> e.getKey().toString(), Map.Entry::getValue)))
                .forEach(byAddress::put);
        return new ConfigMapBuilder().withNewMetadata().withName(objectName(s.name())).withNamespace(namespace)
                .withLabels(Map.of(VersionResources.MANAGED_BY, VersionResources.MANAGER, ROUTE, s.name()))
                .withAnnotations(Map.of(GENERATION, Long.toString(s.generation()), PREVIEW_KEY, s.previewKey()))
                .endMetadata()
                .withData(Map.of(DATA_KEY, RouteJson.writeSpec(s.spec()).toPrettyString(), SERVICES_KEY, byAddress.toPrettyString()))
                .build();
    }

    /** The version Service of each endpoint, as the server wrote them; what cannot be read is left out (served as written). */
    static Map<EndpointAddress, String> servicesOf(ConfigMap cm) {
        String json = cm.getData() == null ? null : cm.getData().get(SERVICES_KEY);
        if (json == null) {
            return Map.of();
        }
        Map<EndpointAddress, String> out = new java.util.HashMap<>();
        try {
            RouteJson.readTree(json).properties().forEach(e -> EndpointAddress.parse(e.getKey())
                    .ifPresent(a -> { if (e.getValue().isTextual()) { out.put(a, e.getValue().asText()); } }));
        } catch (JsonProcessingException e) {
            return Map.of();
        }
        return out;
    }

    /** The route a ConfigMap holds; what is wrong with one is said with the object's name and the field's place. */
    public static RouteState read(ConfigMap cm) throws InvalidRouteException {
        String where = "ConfigMap " + cm.getMetadata().getNamespace() + "/" + cm.getMetadata().getName();
        Map<String, String> labels = cm.getMetadata().getLabels() == null ? Map.of() : cm.getMetadata().getLabels();
        Map<String, String> notes = cm.getMetadata().getAnnotations() == null ? Map.of() : cm.getMetadata().getAnnotations();
        String name = labels.get(ROUTE);
        String json = cm.getData() == null ? null : cm.getData().get(DATA_KEY);
        long generation;
        try {
            generation = Long.parseLong(notes.getOrDefault(GENERATION, ""));
        } catch (NumberFormatException e) {
            generation = -1;
        }
        String previewKey = notes.get(PREVIEW_KEY);
        if (name == null || json == null || generation < 1 || previewKey == null || previewKey.isBlank()) {
            throw new InvalidRouteException(List.of(new FieldError("", where + " is no route written by a Glidepath server: it needs the label "
                    + ROUTE + ", the annotations " + GENERATION + " (1 or more) and " + PREVIEW_KEY + ", and data." + DATA_KEY
                    + "; delete it, or let the server write it")));
        }
        try {
            return new RouteState(RouteJson.readSpec(name, RouteJson.readTree(json)), generation, previewKey);
        } catch (JsonProcessingException e) {
            throw new InvalidRouteException(List.of(new FieldError("", where + " data." + DATA_KEY + " is not JSON: " + e.getOriginalMessage())));
        } catch (InvalidRouteException e) {
            throw new InvalidRouteException(e.errors().stream()
                    .map(f -> new FieldError(f.pointer(), where + " data." + DATA_KEY + (f.pointer().isEmpty() ? "" : " at " + f.pointer()) + ": "
                            + f.message())).toList());
        }
    }
}
