package io.glidepath.route;

/**
 * A route as the router holds it: the spec, the generation of its last change (router-wide and
 * increasing, so it never repeats) and its preview key (a secret that opens the preview track).
 */
public record RouteState(RouteSpec spec, long generation, String previewKey) {

    public String name() {
        return spec.name();
    }
}
