package io.glidepath.risk;

import io.glidepath.journal.Outcome;
import io.glidepath.journal.RollbackCause;
import io.glidepath.spec.Strategy;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * A made-up but seeded release history (the same seed, the same history) with a known truth, to
 * evaluate the model on (docs/risk.md, bench/risk-bench.sh). A team ships 12 services, in UTC working
 * hours mostly; each release fails with a probability given by a ground truth ({@link Truth}) that the
 * model cannot see directly and whose form it does not share: each service has a hidden fragility
 * (rollbacks are only its symptom), idle time counts linearly in days, only Friday afternoons count
 * (not the whole Friday, nor the weekend), overlapping releases count for nothing, and every release
 * has noise on its log-odds. A few releases are aborted (they teach nothing) or change nothing.
 */
public final class SyntheticHistory {
    static final Instant START = Instant.parse("2026-01-05T00:00:00Z"); // a Monday

    /**
     * The ground truth: log-odds of a failure = {@code intercept} + the most fragile service's fragility
     * (normal, sd {@code fragility}) + {@code migration} + {@code perDoubling} x log2(services) + {@code perChange}
     * x configuration changes (at most 10) + {@code perNewDependency} x new dependencies + {@code offHours}
     * (outside 08:00-18:00) + {@code fridayAfternoon} + {@code perIdleDay} x days since the stalest
     * service's last release (at most 60) + normal noise of sd {@code noise}.
     */
    public record Truth(String name, double intercept, double fragility, double migration, double perDoubling, double perChange,
                        double perNewDependency, double offHours, double fridayAfternoon, double perIdleDay, double noise) {
        /** What teams commonly see, pointing the way the prior does (but not in its form, and with a base rate three times the prior's). */
        public static final Truth TYPICAL = new Truth("typical", -3.0, 0.9, 0.9, 0.5, 0.2, 0.4, 0.6, 0.5, 0.02, 0.5);
        /**
         * A team unlike the prior: its migrations are rehearsed (they lower the risk), off-hours releases are
         * done by its most careful people, and configuration is where it breaks things.
         */
        public static final Truth CONTRARY = new Truth("contrary", -2.2, 0.9, -0.8, 0.0, 0.45, 0.4, -0.8, 0.0, 0.0, 0.5);
    }

    /** The releases, oldest first, and each one's true probability of failing. */
    public record Generated(List<ReleaseFacts> releases, Map<String, Double> truth) {
    }

    private final Random random;
    private final Truth truth;
    private final int serviceCount;
    private final double[] fragility;
    private final List<Map<String, String>> settings = new ArrayList<>();
    private final List<Set<String>> dependsOn = new ArrayList<>();
    private final int[] versions;
    private final Instant[] lastRelease;

    private SyntheticHistory(long seed, int services, Truth truth) {
        this.random = new Random(seed);
        this.truth = truth;
        this.serviceCount = services;
        this.fragility = new double[services];
        this.versions = new int[services];
        this.lastRelease = new Instant[services];
        for (int s = 0; s < services; s++) {
            fragility[s] = random.nextGaussian() * truth.fragility();
            Map<String, String> m = new TreeMap<>();
            m.put("command", "java -jar build/" + name(s) + "-{{version}}.jar");
            m.put("replicas", "2");
            m.put("env.PORT", "{{port}}");
            m.put("route", "*/" + name(s));
            settings.add(m);
            dependsOn.add(new LinkedHashSet<>());
        }
    }

    /** {@code releases} releases of a team with 12 services, under the typical truth. */
    public static Generated generate(long seed, int releases) {
        return generate(seed, releases, Truth.TYPICAL);
    }

    public static Generated generate(long seed, int releases, Truth truth) {
        return new SyntheticHistory(seed, 12, truth).run(releases);
    }

    static String name(int s) {
        return String.format("svc-%02d", s);
    }

    private Generated run(int count) {
        List<ReleaseFacts> out = new ArrayList<>();
        Map<String, Double> truths = new LinkedHashMap<>();
        Instant t = START.plus(Duration.ofHours(9));
        for (int i = 0; i < count; i++) {
            t = next(t);
            // how many services: mostly one
            double u = random.nextDouble();
            int k = u < 0.6 ? 1 : u < 0.85 ? 2 : 3 + random.nextInt(3);
            List<Integer> chosen = pick(Math.min(k, serviceCount));
            boolean migrates = random.nextDouble() < 0.12;
            List<ServiceFacts> facts = new ArrayList<>();
            int changes = 0;
            int newDeps = 0;
            double worstFragility = Double.NEGATIVE_INFINITY;
            double idleDays = 0;
            Map<Integer, Map<String, String>> proposed = new HashMap<>();
            Map<Integer, Set<String>> proposedDeps = new HashMap<>();
            for (int s : chosen) {
                Map<String, String> m = new TreeMap<>(settings.get(s));
                int c = random.nextDouble() < 0.6 ? 0 : 1 + random.nextInt(4);
                for (int j = 0; j < c; j++) {
                    if (random.nextDouble() < 0.2) {
                        m.put("replicas", String.valueOf(1 + random.nextInt(6)));
                    } else {
                        m.put("env.K" + random.nextInt(8), "v" + random.nextInt(1000));
                    }
                }
                changes += (int) m.keySet().stream().filter(key -> !m.get(key).equals(settings.get(s).get(key))).count();
                Set<String> deps = new LinkedHashSet<>(dependsOn.get(s));
                if (chosen.size() > 1 && random.nextDouble() < 0.15) {
                    int other = chosen.get(random.nextInt(chosen.size()));
                    if (other != s && deps.add(name(other))) {
                        newDeps++;
                    }
                }
                deps.retainAll(chosen.stream().map(SyntheticHistory::name).toList()); // dependsOn names services of the same release
                worstFragility = Math.max(worstFragility, fragility[s]);
                if (lastRelease[s] != null) {
                    idleDays = Math.max(idleDays, Duration.between(lastRelease[s], t).toHours() / 24.0);
                }
                versions[s]++;
                proposed.put(s, m);
                proposedDeps.put(s, deps);
                facts.add(new ServiceFacts(name(s), name(s), "1." + versions[s], Optional.of(m), deps, Strategy.CANARY));
            }
            ZonedDateTime local = t.atZone(ZoneOffset.UTC);
            boolean offHours = local.getHour() < 8 || local.getHour() >= 18;
            boolean fridayAfternoon = local.getDayOfWeek() == DayOfWeek.FRIDAY && local.getHour() >= 12;
            double z = truth.intercept() + worstFragility + (migrates ? truth.migration() : 0) + truth.perDoubling() * Math.log(chosen.size()) / Math.log(2)
                    + truth.perChange() * Math.min(changes, 10) + truth.perNewDependency() * newDeps + (offHours ? truth.offHours() : 0)
                    + (fridayAfternoon ? truth.fridayAfternoon() : 0) + truth.perIdleDay() * Math.min(idleDays, 60) + random.nextGaussian() * truth.noise();
            double p = 1 / (1 + Math.exp(-z));
            String id = "r" + (i + 1);
            truths.put(id, p);
            Duration took = Duration.ofMinutes(10 + random.nextInt(30));
            double end = random.nextDouble();
            Outcome outcome;
            RollbackCause cause = null;
            Map<String, RollbackCause> rollbacks = new LinkedHashMap<>();
            if (end < 0.02) {
                outcome = Outcome.ROLLED_BACK;
                cause = RollbackCause.ABORTED;
                took = took.dividedBy(2);
            } else if (end < 0.03) {
                outcome = Outcome.UNCHANGED;
            } else if (random.nextDouble() < p) {
                outcome = Outcome.ROLLED_BACK;
                int culprit = culprit(chosen);
                cause = cause(chosen.size() > 1);
                rollbacks.put(name(culprit), cause);
                took = Duration.ofMinutes(2 + random.nextInt((int) took.toMinutes() - 1));
            } else {
                outcome = Outcome.PROMOTED;
            }
            if (outcome != Outcome.UNCHANGED) {
                for (int s : chosen) {
                    lastRelease[s] = t;
                }
            }
            if (outcome == Outcome.PROMOTED) {
                for (int s : chosen) {
                    settings.set(s, proposed.get(s));
                    dependsOn.set(s, proposedDeps.get(s));
                }
            }
            out.add(new ReleaseFacts(id, t, Optional.of(t.plus(took)), Optional.of(outcome), Optional.ofNullable(cause), facts, migrates, rollbacks));
        }
        return new Generated(out, truths);
    }

    /** The next release's time: about 2.5 hours later, mostly moved into working hours on working days. */
    private Instant next(Instant t) {
        Instant n = t.plusSeconds((long) (-Math.log(1 - random.nextDouble()) * 2.5 * 3600));
        ZonedDateTime z = n.atZone(ZoneOffset.UTC);
        boolean weekend = z.getDayOfWeek().getValue() >= 6;
        boolean off = z.getHour() < 8 || z.getHour() >= 18;
        if ((weekend || off) && random.nextDouble() < 0.75) {
            ZonedDateTime day = z.getHour() >= 18 ? z.plusDays(1) : z;
            while (day.getDayOfWeek().getValue() >= 6) {
                day = day.plusDays(1);
            }
            return day.toLocalDate().atTime(8, 0).atZone(ZoneOffset.UTC).toInstant().plusSeconds(random.nextInt(10 * 3600));
        }
        return n;
    }

    private List<Integer> pick(int k) {
        List<Integer> all = new ArrayList<>();
        for (int s = 0; s < serviceCount; s++) {
            all.add(s);
        }
        java.util.Collections.shuffle(all, random);
        return List.copyOf(all.subList(0, k));
    }

    /** Which service failed: the more fragile, the likelier. */
    private int culprit(List<Integer> chosen) {
        double total = chosen.stream().mapToDouble(s -> Math.exp(fragility[s])).sum();
        double u = random.nextDouble() * total;
        for (int s : chosen) {
            u -= Math.exp(fragility[s]);
            if (u <= 0) {
                return s;
            }
        }
        return chosen.get(chosen.size() - 1);
    }

    private RollbackCause cause(boolean several) {
        double u = random.nextDouble();
        if (u < 0.5) {
            return RollbackCause.ANALYSIS;
        }
        if (u < 0.7) {
            return RollbackCause.SMOKE_TEST;
        }
        if (u < 0.85) {
            return RollbackCause.READINESS;
        }
        return several ? RollbackCause.VERIFY_CHECK : RollbackCause.INSTANCE_DIED;
    }
}
