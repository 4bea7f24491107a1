package io.glidepath.router.route;

import io.glidepath.route.RouteSpec;
import io.glidepath.route.RouteState;
import io.glidepath.route.Stickiness;
import io.glidepath.route.Track;
import io.glidepath.router.endpoint.Endpoint;
import io.glidepath.router.metrics.ClientErrorLedger;
import io.glidepath.router.metrics.ClientReveals;
import io.netty.util.AsciiString;
import java.util.List;

/**
 * One generation of a route, as the data path reads it: immutable, resolved to endpoint objects and
 * with the header names it needs pre-built. A request reads one of these and never sees a mix of two.
 */
public final class ActiveRoute {
    private final RouteState state;
    private final RouteRuntime runtime;
    private final Endpoint[] stable;
    private final Endpoint[] canary;
    private final Endpoint[] preview;
    private final AsciiString overrideHeader;
    private final AsciiString stickyHeader;
    private final String stickyCookie;
    private final ClientErrorLedger clientErrors;
    private final ClientReveals clientReveals;

    ActiveRoute(RouteState state, RouteRuntime runtime) {
        this.state = state;
        this.runtime = runtime;
        RouteSpec spec = state.spec();
        this.stable = resolve(spec, Track.STABLE, runtime);
        this.canary = resolve(spec, Track.CANARY, runtime);
        this.preview = resolve(spec, Track.PREVIEW, runtime);
        this.overrideHeader = AsciiString.cached(spec.overrideHeader());
        Stickiness s = spec.sticky();
        this.stickyHeader = s.mode() == Stickiness.Mode.HEADER ? AsciiString.cached(s.name()) : null;
        this.stickyCookie = s.mode() == Stickiness.Mode.COOKIE ? s.name() : null;
        this.clientErrors = runtime.clientErrors();
        this.clientReveals = runtime.clientReveals();
    }

    private static Endpoint[] resolve(RouteSpec spec, Track t, RouteRuntime runtime) {
        List<Endpoint> list = spec.endpoints(t).stream().map(runtime::endpoint).toList();
        return list.toArray(new Endpoint[0]);
    }

    public RouteState state() {
        return state;
    }

    public RouteSpec spec() {
        return state.spec();
    }

    public String name() {
        return state.name();
    }

    public RouteRuntime runtime() {
        return runtime;
    }

    public Endpoint[] endpoints(Track t) {
        return switch (t) {
            case STABLE -> stable;
            case CANARY -> canary;
            case PREVIEW -> preview;
        };
    }

    public int canaryWeight() {
        return state.spec().canaryWeight();
    }

    public boolean shield() {
        return state.spec().shield();
    }

    public long seed() {
        return runtime.seed();
    }

    public AsciiString overrideHeader() {
        return overrideHeader;
    }

    /** The header whose value identifies a client, or null when stickiness is not by header. */
    public AsciiString stickyHeader() {
        return stickyHeader;
    }

    /** The cookie that identifies a client, or null when stickiness is not by cookie. */
    public String stickyCookie() {
        return stickyCookie;
    }

    /** Whether the split keeps each client on its track (by cookie or header), so that its clients can be counted. */
    public boolean sticky() {
        return state.spec().sticky().mode() != Stickiness.Mode.NONE;
    }

    /** The ledger of the split's clients that have had an error since this generation's canary began. */
    public ClientErrorLedger clientErrors() {
        return clientErrors;
    }

    /** The reveals of the split's clients to the judge since this generation's canary began. */
    public ClientReveals clientReveals() {
        return clientReveals;
    }

    public String previewKey() {
        return state.previewKey();
    }
}
