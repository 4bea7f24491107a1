package io.glidepath.engine;

import io.glidepath.engine.Doubles.MemoryPlatform;
import io.glidepath.engine.Doubles.MemoryRouter;
import io.glidepath.engine.Doubles.ScriptedMetrics;
import io.glidepath.engine.Doubles.ScriptedProber;
import io.glidepath.route.RouteSpec;
import io.glidepath.time.ManualClock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;

/** What the engine's tests share: the engine on in-memory seams and a manual clock that moves itself. */
abstract class EngineFixture {
    static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");

    final ManualClock clock = new ManualClock(T0).autoAdvance(true);
    final MemoryStore store = new MemoryStore();
    final MemoryPlatform platform = new MemoryPlatform(store);
    final MemoryRouter router = new MemoryRouter(clock);
    final ScriptedMetrics metrics = new ScriptedMetrics(clock);
    final ScriptedProber prober = new ScriptedProber();
    final Engine engine = new Engine(new EngineSeams(platform, router, metrics, prober, clock), store);

    /** The services in the order their route first put {@code version}'s instances on stable. */
    List<String> stableOrder(String version) {
        Map<Integer, String> versionOfPort = new HashMap<>();
        platform.registry.instances().forEach(i -> versionOfPort.put(i.address().port(), i.version()));
        List<String> order = new ArrayList<>();
        for (RouteSpec s : router.applied) {
            if (!s.stable().isEmpty() && version.equals(versionOfPort.get(s.stable().get(0).port())) && !order.contains(s.name())) {
                order.add(s.name());
            }
        }
        return order;
    }

    @AfterEach
    void closeEngine() {
        engine.close();
    }
}
