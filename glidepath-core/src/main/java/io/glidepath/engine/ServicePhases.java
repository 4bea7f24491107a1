package io.glidepath.engine;

import io.glidepath.store.StoredEvent;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Each service's wave and last phase in a release, read back from its journal: how every service of a finished release ended. */
public final class ServicePhases {
    private ServicePhases() {
    }

    /**
     * By service, in the release's order: the wave it was in (1 for a release without waves) and its
     * last phase (PENDING: never started, as when the release stopped before its wave).
     */
    public static Map<String, Engine.ServiceStatus> fromJournal(List<String> services, List<StoredEvent> journal) {
        Map<String, Integer> wave = new LinkedHashMap<>();
        Map<String, Phase> phase = new LinkedHashMap<>();
        for (StoredEvent e : journal) {
            switch (e.event()) {
                case ReleaseEvent.Submitted sub -> {
                    for (int w = 0; w < sub.waves().size(); w++) {
                        for (String s : sub.waves().get(w)) {
                            wave.put(s, w + 1);
                        }
                    }
                }
                case ReleaseEvent.PhaseChanged p -> phase.put(p.service(), p.phase());
                default -> {
                    // other events do not change a service's phase
                }
            }
        }
        Map<String, Engine.ServiceStatus> out = new LinkedHashMap<>();
        for (String s : services) {
            out.put(s, new Engine.ServiceStatus(wave.getOrDefault(s, 1), phase.getOrDefault(s, Phase.PENDING)));
        }
        return out;
    }
}
