package io.glidepath.bench;

import io.glidepath.local.LocalPlatform;
import io.glidepath.route.EndpointAddress;
import io.glidepath.router.Router;
import io.glidepath.server.Server;
import io.glidepath.server.store.JdbcStore;
import io.glidepath.time.Clock;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What the Java benchmarks run against: a real router and server in this JVM on loopback, with a
 * data directory of their own. Closing it stops the server, every instance it started (the bench
 * leaves nothing running), then the router.
 */
final class BenchStack implements AutoCloseable {
    final Path data;
    final Router router;
    final Server server;

    private BenchStack(Path data, Router router, Server server) {
        this.data = data;
        this.router = router;
        this.server = server;
    }

    static BenchStack start(String name) throws Exception {
        Path data = Files.createTempDirectory("glidepath-" + name + "-bench-");
        Router router = Router.start(Router.Config.loopback(data.resolve("router")));
        Server server = Server.start(new Server.Config(data, "127.0.0.1", 0, URI.create("http://127.0.0.1:" + router.adminAddress().getPort()),
                data.resolve("router/admin.token"), new EndpointAddress("127.0.0.1", router.proxyAddress().getPort()), Clock.system()));
        return new BenchStack(data, router, server);
    }

    int proxyPort() {
        return router.proxyAddress().getPort();
    }

    /** The server's store, opened again on its file (the server keeps its own connection). */
    JdbcStore store() throws Exception {
        return JdbcStore.sqlite(data.resolve("server/glidepath.db"));
    }

    @Override
    public void close() throws Exception {
        server.close();
        try (JdbcStore store = store()) {
            LocalPlatform platform = LocalPlatform.onThisHost(data, store);
            store.instances().forEach(i -> platform.stop(i, Duration.ofSeconds(5)));
        }
        router.close();
    }
}
