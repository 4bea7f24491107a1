package io.glidepath.kubernetes;

import io.glidepath.route.EndpointAddress;
import io.glidepath.route.EndpointSettings;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.Track;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a router replica serves of a route: the endpoints the server wrote, kept to what each version's
 * EndpointSlices say, so that the replica follows the cluster between two writes of the server.
 * <ul>
 *   <li>An endpoint its slices list as not ready, or terminating, or no longer list at all (its pod is
 *       gone), leaves its track: it drains, as an endpoint the server takes out does.</li>
 *   <li>A pod of the same version the slices list ready, which the server never wrote (the Deployment
 *       replaced an evicted or deleted pod), joins the track its version is in, with its siblings'
 *       health check and drain timeout: a node drain does not shrink a version's share of pods.
 *       An endpoint the server wrote once and then took out stays out (the server's removal wins),
 *       and a version in two tracks gains no pod (which track would be a guess).</li>
 *   <li>A track the slices would empty keeps what the server wrote: the replica's health checks
 *       decide then, as Envoy's panic threshold does, rather than answering 503 to every user.</li>
 *   <li>Endpoints of a version whose slices the replica has not seen yet are served as written.</li>
 * </ul>
 */
final class TrackEndpoints {
    /** One address of an EndpointSlice, with the conditions that matter here. */
    record SliceEndpoint(String ip, boolean ready, boolean terminating) {
        boolean serves() {
            return ready && !terminating;
        }
    }

    /** The endpoints of a version's Service from its slices; empty when no slice of it has been seen. */
    interface Slices {
        Optional<List<SliceEndpoint>> of(String service);
    }

    private TrackEndpoints() {
    }

    static RouteSpec resolve(RouteSpec written, Map<EndpointAddress, String> serviceOf, Set<EndpointAddress> everWritten, Slices slices) {
        Map<String, Set<Track>> tracksOf = new HashMap<>();
        Map<String, EndpointAddress> siblingOf = new HashMap<>();
        for (Track t : Track.values()) {
            for (EndpointAddress a : written.endpoints(t)) {
                String s = serviceOf.get(a);
                if (s != null) {
                    tracksOf.computeIfAbsent(s, x -> EnumSet.noneOf(Track.class)).add(t);
                    siblingOf.putIfAbsent(s, a);
                }
            }
        }
        Map<EndpointAddress, EndpointSettings> settings = new LinkedHashMap<>(written.endpointSettings());
        RouteSpec out = written;
        for (Track t : Track.values()) {
            List<EndpointAddress> kept = new ArrayList<>();
            for (EndpointAddress a : written.endpoints(t)) {
                String s = serviceOf.get(a);
                Optional<List<SliceEndpoint>> eps = s == null ? Optional.empty() : slices.of(s);
                if (eps.isEmpty() || eps.get().stream().anyMatch(e -> e.ip().equals(a.host()) && e.serves())) {
                    kept.add(a);
                }
            }
            for (Map.Entry<String, Set<Track>> v : tracksOf.entrySet()) {
                if (!v.getValue().equals(EnumSet.of(t))) {
                    continue;
                }
                EndpointAddress sibling = siblingOf.get(v.getKey());
                for (SliceEndpoint e : slices.of(v.getKey()).orElse(List.of())) {
                    EndpointAddress a = new EndpointAddress(e.ip(), sibling.port());
                    if (e.serves() && !kept.contains(a) && !everWritten.contains(a)) {
                        kept.add(a);
                        if (written.endpointSettings().containsKey(sibling)) {
                            settings.put(a, written.endpointSettings().get(sibling));
                        }
                    }
                }
            }
            if (kept.isEmpty() && !written.endpoints(t).isEmpty()) {
                kept = written.endpoints(t);
            }
            out = switch (t) {
                case STABLE -> out.withStable(kept);
                case CANARY -> out.withCanary(kept);
                case PREVIEW -> out.withPreview(kept);
            };
        }
        Set<EndpointAddress> present = out.allEndpoints();
        settings.keySet().retainAll(present);
        return out.withEndpointSettings(settings);
    }
}
