package io.glidepath.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.glidepath.analysis.MetricSource;
import io.glidepath.analysis.MetricsUnavailableException;
import io.glidepath.engine.Doubles.MemoryPlatform;
import io.glidepath.engine.Doubles.MemoryRouter;
import io.glidepath.engine.Doubles.ScriptedMetrics;
import io.glidepath.engine.Doubles.ScriptedProber;
import io.glidepath.journal.Outcome;
import io.glidepath.journal.StoredEvent;
import io.glidepath.spec.InvalidSpecException;
import io.glidepath.spec.ReleaseReader;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.spec.ServiceSpec;
import io.glidepath.spec.SpecError;
import io.glidepath.store.ReleaseRecord;
import io.glidepath.time.ManualClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Each service's figures come from the source its release file chooses, asked once per deployment; a source that cannot be reached refuses the release at submission. */
class MetricSourceChoiceTest {
    final ManualClock clock = new ManualClock(EngineFixture.T0).autoAdvance(true);
    final MemoryStore store = new MemoryStore();
    final MemoryPlatform platform = new MemoryPlatform(store);
    final MemoryRouter router = new MemoryRouter(clock);
    final ScriptedMetrics routerFigures = new ScriptedMetrics(clock);
    final List<ServiceSpec> asked = new CopyOnWriteArrayList<>();
    /** A Prometheus that is down: every window unavailable. */
    final MetricSource down = (target, query) -> {
        throw new MetricsUnavailableException("Prometheus at http://127.0.0.1:9 did not answer query requests (canary)", null);
    };
    final MetricSource.Factory byFile = new MetricSource.Factory() {
        @Override
        public MetricSource forService(ServiceSpec service) {
            asked.add(service);
            return service.analysis().prometheus().isPresent() ? down : routerFigures;
        }

        @Override
        public List<SpecError> problems(ServiceSpec service, String path) {
            return service.name().equals("unreachable") ? List.of(new SpecError(service.location(), path + ".analysis.metrics.prometheus.url",
                    "no Prometheus URL")) : List.of();
        }
    };
    final Engine engine = new Engine(new EngineSeams(platform, router, byFile, new ScriptedProber(), clock), store);

    @AfterEach
    void close() {
        engine.close();
    }

    static ReleaseSpec release(String version, String analysis) throws Exception {
        return ReleaseReader.read("r.yaml", """
                services:
                  - name: catalog
                    version: %s
                    run: {command: [catalog]}
                    route: {pathPrefix: /catalog}
                    steps: [{weight: 10}, {bake: 10s}]
                    analysis: %s
                """.formatted(version, analysis));
    }

    static final String ON_PROMETHEUS = "{interval: 5s, postPromotion: 10s, metrics: {prometheus: {url: 'http://127.0.0.1:9', "
            + "requests: 'sum(r{track=\"{{track}}\"})', errors: 'sum(e{track=\"{{track}}\"})'}}}";

    ReleaseRecord deploy(ReleaseSpec spec) throws Exception {
        ReleaseRecord r = engine.submit(spec, "r.yaml", "", Path.of("."), "alice");
        engine.awaitAll(Duration.ofSeconds(20));
        return store.release(r.id()).orElseThrow();
    }

    @Test
    void eachDeploymentAsksForItsServicesSourceOnce() throws Exception {
        deploy(release("1.0.0", "{interval: 1s, postPromotion: 2s}"));
        ReleaseRecord second = deploy(release("2.0.0", ON_PROMETHEUS));
        assertThat(asked).extracting(ServiceSpec::version).containsExactly("1.0.0", "2.0.0");
        assertThat(asked.get(1).analysis().prometheus()).isPresent();
        // the Prometheus that is down gives no figures: every interval is inconclusive, never a pass, and says why
        List<String> notes = store.events(second.id(), 0).stream().map(StoredEvent::event).map(e -> e.message())
                .filter(m -> m.startsWith("no figures this interval")).toList();
        assertThat(notes).isNotEmpty().allSatisfy(m -> assertThat(m).isEqualTo(
                "no figures this interval (Prometheus at http://127.0.0.1:9 did not answer query requests (canary)): inconclusive"));
        assertThat(store.events(second.id(), 0)).extracting(e -> e.event().message()).contains("the canary was never judged: no interval had "
                + "figures (last: Prometheus at http://127.0.0.1:9 did not answer query requests (canary))");
        assertThat(second.outcome()).as("a canary nothing checked is not promoted, whatever the judge").contains(Outcome.ROLLED_BACK);
    }

    @Test
    void aReleaseWhoseSourceCannotBeReachedIsRefusedWithItsLocation() throws Exception {
        ReleaseSpec spec = ReleaseReader.read("r.yaml", """
                services:
                  - name: catalog
                    version: 1.0.0
                    run: {command: [catalog]}
                    route: {pathPrefix: /catalog}
                  - name: unreachable
                    version: 1.0.0
                    run: {command: [x]}
                    route: {pathPrefix: /x}
                """);
        InvalidSpecException e = catchThrowableOfType(InvalidSpecException.class, () -> engine.check(spec));
        assertThat(e.errors()).extracting(SpecError::toString)
                .containsExactly("r.yaml:6:5: services[1].analysis.metrics.prometheus.url: no Prometheus URL");
        engine.check(release("1.0.0", "{interval: 1s}")); // nothing to refuse
    }
}
