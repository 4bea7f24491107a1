package io.glidepath.router.route;

import io.glidepath.route.EndpointAddress;
import io.glidepath.route.Track;
import io.glidepath.router.endpoint.Endpoint;
import io.glidepath.router.metrics.ClientErrorLedger;
import io.glidepath.router.metrics.ClientReveals;
import io.glidepath.router.metrics.MetricSeries;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Collection;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a route keeps across its generations: its endpoints by address (with their health, in-flight
 * counts and drains) and its per-track metrics. Outlives the route while its endpoints drain.
 *
 * <p>The stable and canary figures are the split's alone, the ones a judge compares: requests the
 * override header sent to a track count in {@link #overridden}, and stable's answers to requests whose
 * canary failure was shielded in {@link #shieldAnswers} (the canary's failure counts on the canary).
 *
 * <p>It also keeps the ledger of the split's clients that have had an error since the route's canary
 * began, and the reveals of the split's clients to the judge ({@link ClientReveals}), both replaced by
 * empty ones when a new canary begins ({@link RouteRegistry} decides when).
 */
public final class RouteRuntime {
    /** The tracks the override header reaches (preview needs its key). */
    public static final List<Track> OVERRIDABLE = List.of(Track.STABLE, Track.CANARY);

    private final String name;
    private final long seed;
    private final Map<EndpointAddress, Endpoint> endpoints = new ConcurrentHashMap<>();
    private final Map<Track, MetricSeries> trackMetrics = new EnumMap<>(Track.class);
    private final Map<Track, MetricSeries> overridden = new EnumMap<>(Track.class);
    private final MetricSeries shieldAnswers = MetricSeries.systemClock();
    /** The canary's answers to copies of requests mirrored to it (thrown away: no user saw them). */
    private final MetricSeries shadow = MetricSeries.systemClock();
    private volatile ClientErrorLedger clientErrors = new ClientErrorLedger();
    private volatile ClientReveals clientReveals = new ClientReveals();

    public RouteRuntime(String name) {
        this.name = name;
        this.seed = TrackSplit.seed(name);
        for (Track t : Track.values()) {
            trackMetrics.put(t, MetricSeries.systemClock());
        }
        for (Track t : OVERRIDABLE) {
            overridden.put(t, MetricSeries.systemClock());
        }
    }

    public String name() {
        return name;
    }

    long seed() {
        return seed;
    }

    /** The figures of requests the split (or the preview key) sent to {@code track}. */
    public MetricSeries metrics(Track track) {
        return trackMetrics.get(track);
    }

    /** The figures of requests the override header sent to {@code track} (stable or canary). */
    public MetricSeries overridden(Track track) {
        MetricSeries s = overridden.get(track);
        if (s == null) {
            throw new IllegalArgumentException("the override header reaches only stable and canary, not " + track.id());
        }
        return s;
    }

    /** The figures of stable's answers to requests whose canary failure was shielded. */
    public MetricSeries shieldAnswers() {
        return shieldAnswers;
    }

    /** The shadow track: how the canary answered the copies mirrored to it. */
    public MetricSeries shadow() {
        return shadow;
    }

    /** The clients of the split that have had a 5xx since the current canary began. */
    public ClientErrorLedger clientErrors() {
        return clientErrors;
    }

    /** The split's clients, revealed to the judge with their requests and errors since the current canary began. */
    public ClientReveals clientReveals() {
        return clientReveals;
    }

    /**
     * A new canary begins: its clients' first errors and reveals count from nothing. Routes published from now on
     * hold the new ledger; a request already routed by an older generation finishes with the old one.
     */
    void canaryBegins() {
        clientErrors = new ClientErrorLedger();
        clientReveals = new ClientReveals();
    }

    /** The endpoint for this address, created on first use. */
    public Endpoint endpoint(EndpointAddress address) {
        return endpoints.computeIfAbsent(address, a -> new Endpoint(a, MetricSeries.systemClock()));
    }

    /** The endpoint for this address, or null when the route has none (never creates one). */
    public Endpoint find(EndpointAddress address) {
        return endpoints.get(address);
    }

    public Collection<Endpoint> endpoints() {
        return endpoints.values();
    }

    /**
     * Writes this route's figures (every series, endpoints' too, the ledger and the reveals), for a router
     * that takes over from this one to {@link #absorbFigures}. Each series goes with its name, so that a
     * reader can tell them apart.
     */
    public void writeFiguresTo(DataOutput out) throws IOException {
        Map<String, MetricSeries> series = series();
        out.writeInt(series.size());
        for (Map.Entry<String, MetricSeries> e : series.entrySet()) {
            out.writeUTF(e.getKey());
            e.getValue().writeTo(out);
        }
        clientErrors.writeTo(out);
        clientReveals.writeTo(out);
    }

    /**
     * Adds a predecessor's figures of this route ({@link #writeFiguresTo}); those of an endpoint this route
     * does not have now are read and left out.
     */
    public void absorbFigures(DataInput in) throws IOException {
        Map<String, MetricSeries> series = series();
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            String name = in.readUTF();
            MetricSeries s = series.get(name);
            (s != null ? s : MetricSeries.systemClock()).absorb(in);
        }
        clientErrors.absorb(in);
        clientReveals.absorb(in);
    }

    /** Every series of this route by a stable name: tracks, overridden tracks, shield answers, shadow, endpoints. */
    private Map<String, MetricSeries> series() {
        Map<String, MetricSeries> all = new LinkedHashMap<>();
        trackMetrics.forEach((t, m) -> all.put("track " + t.id(), m));
        overridden.forEach((t, m) -> all.put("overridden " + t.id(), m));
        all.put("shield answers", shieldAnswers);
        all.put("shadow", shadow);
        endpoints.forEach((a, e) -> all.put("endpoint " + a, e.metrics()));
        return all;
    }

    /** Gives back the metric buckets of this route's series (tracks and endpoints) that saw no event for the kept window. */
    public void releaseIdleMetrics() {
        trackMetrics.values().forEach(MetricSeries::releaseIdle);
        overridden.values().forEach(MetricSeries::releaseIdle);
        shieldAnswers.releaseIdle();
        shadow.releaseIdle();
        endpoints.values().forEach(e -> e.metrics().releaseIdle());
    }

    public void forget(EndpointAddress address) {
        endpoints.remove(address);
    }
}
