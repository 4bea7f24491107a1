package io.glidepath.cli.plan;

import io.glidepath.spec.ServiceSpec;
import java.util.Map;
import java.util.Optional;

/**
 * What a release would do to one service given what runs: deploy it for the first time, replace a
 * version, or nothing (the engine's no-op: the version already runs). Unknown when the server could
 * not be asked.
 */
public record Change(Kind kind, Optional<String> from, Optional<String> heldBy) {
    public enum Kind {
        NEW("new"), REPLACE("replace"), NO_OP("noOp"), UNKNOWN("unknown");

        private final String id;

        Kind(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }
    }

    /** The change for {@code spec}; {@code running} is empty when what runs is unknown. */
    public static Change of(ServiceSpec spec, Optional<Map<String, RunningService>> running) {
        if (running.isEmpty()) {
            return new Change(Kind.UNKNOWN, Optional.empty(), Optional.empty());
        }
        RunningService now = running.get().get(spec.name());
        if (now == null) {
            return new Change(Kind.NEW, Optional.empty(), Optional.empty());
        }
        Kind kind = now.instances() == 0 ? Kind.NEW : now.version().equals(spec.version()) ? Kind.NO_OP : Kind.REPLACE;
        return new Change(kind, now.instances() == 0 ? Optional.empty() : Optional.of(now.version()), now.heldBy());
    }

    /** For a person: "new", "replaces v1", "no-op: v1 already runs", "unknown"; with the holder when another release has it. */
    public String text(ServiceSpec spec) {
        String what = switch (kind) {
            case NEW -> "new";
            case REPLACE -> "replaces " + from.orElseThrow();
            case NO_OP -> "no-op: " + spec.version() + " already runs";
            case UNKNOWN -> "unknown";
        };
        return heldBy.map(h -> what + ", held by release " + h).orElse(what);
    }
}
