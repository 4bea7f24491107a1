package io.glidepath.engine.internal;

import io.glidepath.journal.Phase;
import io.glidepath.journal.ReleaseEvent;
import io.glidepath.spec.Durations;
import io.glidepath.spec.ServiceSpec;
import io.glidepath.spec.Step;
import io.glidepath.spec.Strategy;
import java.util.List;

/**
 * How users' traffic moves to a proven new version, ending with it stable: all at once for a first
 * deployment and for blue-green (the previous version kept warm on the preview track), in steps with
 * analysis for a canary. Each plan drives its deployment's route changes and watches; any failure
 * is a {@link Failed} that the deployment turns into its rollback.
 */
sealed interface TrafficPlan {

    static TrafficPlan of(ServiceSpec spec, Previous before) {
        if (before.instances().isEmpty()) {
            return new FirstDeployment();
        }
        return spec.strategy() == Strategy.BLUE_GREEN ? new BlueGreen() : new Canary(spec.steps());
    }

    void shift(ServiceDeployment d) throws Failed, InterruptedException;

    /** The first version of a service takes all traffic at once: there is nobody to compare it with. */
    record FirstDeployment() implements TrafficPlan {
        @Override
        public void shift(ServiceDeployment d) throws Failed {
            d.route(d.routes().firstDeployment(d.fresh()), "first deployment: " + d.version() + " takes all traffic");
        }
    }

    /** One route update moves every user; the previous version stays warm for a flip back. */
    record BlueGreen() implements TrafficPlan {
        @Override
        public void shift(ServiceDeployment d) throws Failed {
            d.route(d.routes().promoted(d.fresh(), d.before().instances()), "switched all traffic to " + d.version() + " in one update; "
                    + d.before().name() + " stays warm");
        }
    }

    /**
     * The weight steps, bakes and manual pauses, a verdict every interval; then promotion. A resumed
     * canary sets the route its journal proves first (lower, never higher, than one set and not
     * journaled), then goes on with the next step; the weight never rises right after a failing interval.
     */
    record Canary(List<Step> steps) implements TrafficPlan {
        public Canary {
            steps = List.copyOf(steps);
        }

        @Override
        public void shift(ServiceDeployment d) throws Failed, InterruptedException {
            if (!d.resumePoint().map(r -> r.switched()).orElse(false)) {
                if (d.isBefore(Phase.SHIFTING)) {
                    d.move(Phase.SHIFTING, "canary " + d.version() + " beside stable " + d.before().name());
                }
                walk(d);
                d.concludeAnalysis();
            }
            d.route(d.routes().promoted(d.fresh(), d.before().instances()), "promoted " + d.version() + " to stable; " + d.before().name()
                    + " stays warm");
        }

        private void walk(ServiceDeployment d) throws Failed, InterruptedException {
            int first = d.resumePoint().map(r -> r.stepsDone()).orElse(0);
            int weight = 0;
            int mirror = 0;
            for (Step done : steps.subList(0, Math.min(first, steps.size()))) {
                if (done instanceof Step.Weight w) {
                    weight = w.basisPoints();
                    mirror = 0;
                } else if (done instanceof Step.Mirror m) {
                    mirror = m.basisPoints();
                }
            }
            if (mirror > 0) {
                mirror(d, mirror, "going on after step " + first + " of " + steps.size() + ": ");
            } else {
                d.route(d.routes().canary(d.before().instances(), d.fresh(), weight), first == 0 ? "canary " + d.version() + " in the route at "
                        + percent(weight) : "going on after step " + first + " of " + steps.size() + ": canary " + d.version() + " at " + percent(weight));
            }
            for (int n = first; n < steps.size(); n++) {
                Step step = steps.get(n);
                String promotedBy = null;
                d.failIfFailed();
                switch (step) {
                    case Step.Mirror m -> {
                        mirror = m.basisPoints();
                        mirror(d, mirror, "");
                    }
                    case Step.Weight w -> {
                        if (d.failuresInARow() > 0) {
                            d.watch(d.spec().analysis().interval()); // never raise the weight on a failing interval: judge once more first
                        }
                        weight = w.basisPoints();
                        mirror = 0;
                        d.route(d.routes().canary(d.before().instances(), d.fresh(), weight), "canary " + d.version() + " at " + percent(weight));
                        d.mirroring(false); // from now on the canary's own figures: users are served by it
                    }
                    case Step.Bake b -> d.watch(b.duration());
                    case Step.ManualPause p -> {
                        d.emit(new ReleaseEvent.Note(d.now(), d.spec().name(), "paused " + (mirror > 0 ? "mirroring " + percent(mirror)
                                : "at " + percent(weight)) + ": waiting for glidepath promote"));
                        promotedBy = d.awaitPromotion();
                    }
                }
                d.emit(new ReleaseEvent.StepDone(d.now(), d.spec().name(), "step " + (n + 1) + " of " + steps.size() + " done: "
                        + what(step, weight, mirror, promotedBy), n + 1, steps.size()));
            }
        }

        /** Copies of {@code share} of the requests go to the canary, which serves no user; the judge reads the copies' figures. */
        private static void mirror(ServiceDeployment d, int share, String prefix) throws Failed {
            d.route(d.routes().mirrored(d.before().instances(), d.fresh(), share), prefix + "mirroring " + percent(share) + " of the requests to "
                    + d.version() + ": its answers are judged against " + d.before().name() + "'s and thrown away; no user is served by it");
            d.mirroring(true);
        }

        private static String what(Step step, int weight, int mirror, String promotedBy) {
            String at = mirror > 0 ? "mirroring " + percent(mirror) : "at " + percent(weight);
            return switch (step) {
                case Step.Mirror m -> "mirroring " + percent(mirror) + " to the canary";
                case Step.Weight w -> "canary at " + percent(weight);
                case Step.Bake b -> "baked " + Durations.format(b.duration()) + " " + at;
                case Step.ManualPause p -> "promote by " + promotedBy + " received " + at + ": going on";
            };
        }
    }

    static String percent(int basisPoints) {
        return (basisPoints % 100 == 0 ? String.valueOf(basisPoints / 100) : String.valueOf(basisPoints / 100.0)) + "%";
    }
}
