package io.glidepath.server.live;

/** Where the live feed reads what is going on now; {@link LiveBoard} on the engine, the router and the platform. */
@FunctionalInterface
public interface LiveSource {
    LiveSnapshot read();
}
