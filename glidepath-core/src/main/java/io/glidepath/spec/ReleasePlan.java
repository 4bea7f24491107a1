package io.glidepath.spec;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * What a release will do, without doing it: its waves, the critical path (in each wave, the
 * service whose configured waits decide how long the wave takes) and the minimum duration, the sum
 * of the waves' lengths in configured waits (bakes and post-promotion watches; with
 * {@code maxParallel}, a wave's services share that many slots; a fleet's ring counts its bake
 * after it; a manual gate counts nothing, as nobody knows when someone will promote).
 */
public record ReleasePlan(ReleaseSpec release, List<List<ServiceSpec>> waves, List<String> criticalPath, Duration minimumDuration) {

    public static ReleasePlan of(ReleaseSpec release) {
        List<Wave> stages = release.stages();
        List<String> critical = new ArrayList<>();
        Duration total = Duration.ZERO;
        for (Wave wave : stages) {
            ServiceSpec longest = wave.services().stream().max(Comparator.comparing(ServiceSpec::configuredWaits)).orElseThrow();
            critical.add(longest.name());
            total = total.plus(makespan(wave.services(), wave.maxParallel())).plus(wave.bakeAfter());
        }
        return new ReleasePlan(release, stages.stream().map(Wave::services).toList(), critical, total);
    }

    /** The waves with their settings (a fleet's rings, their parallelism, gates and bakes). */
    public List<Wave> stages() {
        return release.stages();
    }

    /** How long a wave takes in configured waits when its services share {@code slots} (0: one each), longest first. */
    static Duration makespan(List<ServiceSpec> wave, int slots) {
        if (slots <= 0 || slots >= wave.size()) {
            return wave.stream().map(ServiceSpec::configuredWaits).max(Comparator.naturalOrder()).orElse(Duration.ZERO);
        }
        PriorityQueue<Duration> free = new PriorityQueue<>();
        for (int i = 0; i < slots; i++) {
            free.add(Duration.ZERO);
        }
        Duration end = Duration.ZERO;
        for (ServiceSpec s : wave.stream().sorted(Comparator.comparing(ServiceSpec::configuredWaits).reversed()).toList()) {
            Duration done = free.poll().plus(s.configuredWaits());
            free.add(done);
            end = done.compareTo(end) > 0 ? done : end;
        }
        return end;
    }
}
