package io.glidepath.router.health;

import io.glidepath.http.ClientRequest;
import io.glidepath.http.ClientResponse;
import io.glidepath.http.HttpConnection;
import io.glidepath.probe.GrpcHealthProbe;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.HealthCheck;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/** One active check of one endpoint: a TCP connect, an HTTP GET that must answer 2xx or 3xx, or a gRPC health check that must say SERVING. */
public final class Probe {
    private Probe() {
    }

    /** Runs the check once, blocking for at most the check's timeout (twice for HTTP: connect, answer). */
    public static boolean passes(EndpointAddress address, HealthCheck check) {
        int timeout = (int) Math.max(1, check.timeout().toMillis());
        if (check.isGrpc()) {
            return GrpcHealthProbe.check(address, check.grpcService(), check.timeout()).passed();
        }
        if (!check.isHttp()) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(address.host(), address.port()), timeout);
                return true;
            } catch (IOException e) {
                return false;
            }
        }
        try (HttpConnection c = HttpConnection.open(address.host(), address.port(), check.timeout(), check.timeout())) {
            ClientResponse r = c.send(ClientRequest.get(check.path())
                    .withHeader("User-Agent", "glidepath-health")
                    .withHeader("Connection", "close"));
            return r.status() >= 200 && r.status() < 400;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
