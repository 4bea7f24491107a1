package io.glidepath.router.testkit;

import io.glidepath.route.EndpointAddress;
import io.glidepath.route.RouteMatch;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.RouteState;
import io.glidepath.router.Router;
import io.glidepath.router.client.RouterAdminClient;
import io.glidepath.router.client.RouterAdminException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/** A router in this JVM on ephemeral loopback ports, with a client for its admin API. */
public final class RouterHarness implements AutoCloseable {
    private final Router router;
    private final RouterAdminClient admin;
    private final Path stateDir;

    private RouterHarness(Router router, Path stateDir) throws IOException {
        this.router = router;
        this.stateDir = stateDir;
        String token = Files.readString(stateDir.resolve("admin.token")).strip();
        this.admin = new RouterAdminClient(URI.create("http://127.0.0.1:" + router.adminAddress().getPort()), token);
    }

    public static RouterHarness start(Path stateDir) throws Exception {
        return start(Router.Config.loopback(stateDir));
    }

    public static RouterHarness start(Router.Config config) throws Exception {
        return new RouterHarness(Router.start(config), config.stateDir());
    }

    public Router router() {
        return router;
    }

    public RouterAdminClient admin() {
        return admin;
    }

    public Path stateDir() {
        return stateDir;
    }

    public int port() {
        return router.proxyAddress().getPort();
    }

    public String token() throws IOException {
        return Files.readString(stateDir.resolve("admin.token")).strip();
    }

    public URI adminUri(String path) {
        return URI.create("http://127.0.0.1:" + router.adminAddress().getPort() + path);
    }

    /** Creates a route for any host and path "/" with the given stable endpoints. */
    public RouteState route(String name, List<EndpointAddress> stable) throws RouterAdminException {
        return admin.put(RouteSpec.of(name, RouteMatch.any(), stable), OptionalLong.empty());
    }

    @Override
    public void close() {
        router.close();
    }
}
