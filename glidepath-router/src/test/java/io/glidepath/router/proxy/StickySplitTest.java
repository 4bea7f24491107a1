package io.glidepath.router.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.glidepath.http.ClientRequest;
import io.glidepath.http.ClientResponse;
import io.glidepath.http.HttpConnection;
import io.glidepath.route.RouteState;
import io.glidepath.router.testkit.RouterHarness;
import io.glidepath.router.testkit.SampleProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StickySplitTest {
    static final int CLIENTS = 10_000;
    static final int WORKERS = 8;

    @TempDir
    static Path dir;
    static SampleProcess stable;
    static SampleProcess canary;
    static RouterHarness router;

    @BeforeAll
    static void start() throws Exception {
        stable = SampleProcess.start("stable");
        canary = SampleProcess.start("canary");
        router = RouterHarness.start(dir);
    }

    @AfterAll
    static void stop() throws Exception {
        router.close();
        stable.close();
        canary.close();
    }

    @Test
    void aQuarterOfTenThousandNewClientsLandInTheCanaryAndNoneLeavesItAsTheWeightGrows() throws Exception {
        RouteState s = router.route("web", List.of(stable.address()));
        s = router.admin().put(s.spec().withCanary(List.of(canary.address())).withCanaryWeight(2500), OptionalLong.of(s.generation()));

        String[] cookies = new String[CLIENTS];
        boolean[] inCanary = new boolean[CLIENTS];
        visit(cookies, inCanary, true);
        long canaryShare = count(inCanary);
        assertThat(canaryShare).as("clients in the canary at 25%").isBetween(2350L, 2650L);
        assertThat(cookies).as("every client got its id cookie").doesNotContainNull();

        for (int weight : new int[] {5000, 7500}) {
            s = router.admin().setWeight("web", weight, OptionalLong.of(s.generation()));
            boolean[] before = inCanary.clone();
            visit(cookies, inCanary, false);
            for (int i = 0; i < CLIENTS; i++) {
                if (before[i]) {
                    assertThat(inCanary[i]).as("client %d was in the canary and must stay there at %d", i, weight).isTrue();
                }
            }
            assertThat(count(inCanary)).as("clients in the canary at %d", weight).isBetween(weight - 150L, weight + 150L);
        }
    }

    /** Each client sends one request; the first time without a cookie (it gets one), later with it. */
    private static void visit(String[] cookies, boolean[] inCanary, boolean firstContact) throws Exception {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> work = new ArrayList<>();
            for (int w = 0; w < WORKERS; w++) {
                int worker = w;
                work.add(pool.submit(() -> {
                    try (HttpConnection c = HttpConnection.open("127.0.0.1", router.port(), Duration.ofSeconds(5), Duration.ofSeconds(5))) {
                        for (int i = worker; i < CLIENTS; i += WORKERS) {
                            ClientRequest req = ClientRequest.get("/");
                            if (!firstContact) {
                                req = req.withHeader("Cookie", "theme=dark; " + cookies[i]);
                            }
                            ClientResponse r = c.send(req);
                            assertThat(r.status()).isEqualTo(200);
                            if (firstContact) {
                                cookies[i] = r.header("Set-Cookie").orElseThrow().split(";")[0];
                            } else {
                                assertThat(r.header("Set-Cookie")).as("a known client gets no new id").isEmpty();
                            }
                            inCanary[i] = r.header("X-Version").orElseThrow().equals("canary");
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : work) {
                f.get();
            }
        }
    }

    private static long count(boolean[] b) {
        long n = 0;
        for (boolean x : b) {
            n += x ? 1 : 0;
        }
        return n;
    }
}
