package io.glidepath.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReleasePlanTest {
    static ReleaseSpec release(int maxParallel) throws Exception {
        return ReleaseReader.read("r.yaml", """
                maxParallel: %d
                services:
                  - {name: a, version: '1', run: {command: [x]}, route: {pathPrefix: /a}, steps: [{weight: 10}, {bake: 1m}], analysis: {postPromotion: 10s}}
                  - {name: b, version: '1', run: {command: [x]}, route: {pathPrefix: /b}, strategy: blueGreen, analysis: {postPromotion: 30s}}
                  - {name: c, version: '1', run: {command: [x]}, route: {pathPrefix: /c}, strategy: blueGreen, analysis: {postPromotion: 40s}}
                  - {name: d, version: '1', dependsOn: [a, b], run: {command: [x]}, route: {pathPrefix: /d}, strategy: blueGreen, analysis: {postPromotion: 5s}}
                """.formatted(maxParallel));
    }

    @Test
    void theCriticalPathTakesTheLongestServiceOfEachWave() throws Exception {
        ReleasePlan p = ReleasePlan.of(release(0));
        assertThat(p.waves()).extracting(w -> w.stream().map(ServiceSpec::name).toList()).containsExactly(List.of("a", "b", "c"), List.of("d"));
        assertThat(p.criticalPath()).containsExactly("a", "d");
        assertThat(p.minimumDuration()).isEqualTo(Duration.ofSeconds(70 + 5));
    }

    @Test
    void maxParallelMakesAWaveLonger() throws Exception {
        // two slots: a (70s) in one, then b (30s) and c (40s) share the other: 70s
        assertThat(ReleasePlan.of(release(2)).minimumDuration()).isEqualTo(Duration.ofSeconds(70 + 5));
        // one slot: everything in turn
        assertThat(ReleasePlan.of(release(1)).minimumDuration()).isEqualTo(Duration.ofSeconds(70 + 30 + 40 + 5));
    }
}
