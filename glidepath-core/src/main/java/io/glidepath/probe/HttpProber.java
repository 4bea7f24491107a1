package io.glidepath.probe;

import io.glidepath.http.ClientRequest;
import io.glidepath.http.ClientResponse;
import io.glidepath.http.HttpConnection;
import io.glidepath.route.EndpointAddress;
import io.glidepath.spec.HttpCheck;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@link Prober} over real HTTP: one fresh connection per check, so nothing is reused by chance. */
public final class HttpProber implements Prober {

    @Override
    public Result get(EndpointAddress target, String path, Duration timeout) {
        return send(target, new ClientRequest("GET", path, List.of(Map.entry("Connection", "close"), Map.entry("User-Agent", "glidepath-readiness")),
                null), timeout, 200, null, true);
    }

    @Override
    public Result check(EndpointAddress target, HttpCheck check, Map<String, String> headers) {
        List<Map.Entry<String, String>> h = new ArrayList<>();
        check.headers().forEach((k, v) -> h.add(Map.entry(k, v)));
        headers.forEach((k, v) -> h.add(Map.entry(k, v)));
        h.add(Map.entry("Connection", "close"));
        h.add(Map.entry("User-Agent", "glidepath-smoke"));
        byte[] body = check.body().map(b -> b.getBytes(StandardCharsets.UTF_8)).orElse(null);
        return send(target, new ClientRequest(check.method(), check.path(), h, body), check.timeout(), check.expectStatus(),
                check.bodyContains().orElse(null), false);
    }

    @Override
    public Result grpcHealth(EndpointAddress target, String service, Duration timeout) {
        return GrpcHealthProbe.check(target, service, timeout);
    }

    private static Result send(EndpointAddress target, ClientRequest req, Duration timeout, int expectStatus, String bodyContains, boolean any2xx3xx) {
        long t0 = System.nanoTime();
        try (HttpConnection c = HttpConnection.open(target.host(), target.port(), timeout, timeout)) {
            ClientResponse r = c.send(req);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            boolean statusOk = any2xx3xx ? r.status() >= 200 && r.status() < 400 : r.status() == expectStatus;
            if (!statusOk) {
                return new Result(false, "status " + r.status() + (any2xx3xx ? "" : ", expected " + expectStatus) + " after " + ms + " ms");
            }
            if (bodyContains != null && !r.bodyText().contains(bodyContains)) {
                return new Result(false, "status " + r.status() + " but the body does not contain \"" + bodyContains + "\"");
            }
            return new Result(true, r.status() + " in " + ms + " ms");
        } catch (ConnectException e) {
            return new Result(false, "connection refused");
        } catch (SocketTimeoutException e) {
            return new Result(false, "no answer within " + timeout.toMillis() + " ms");
        } catch (IOException e) {
            return new Result(false, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }
}
