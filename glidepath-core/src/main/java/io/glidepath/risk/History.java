package io.glidepath.risk;

import io.glidepath.journal.Outcome;
import io.glidepath.journal.RollbackCause;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Past releases, oldest first, and what each factor of a release reads from them as of the moment it
 * is submitted: only releases submitted before it, and of those only what had ended by then (so a
 * release's factors are the ones it would have been shown, and fitting never peeks ahead).
 */
public final class History {
    /** How many of a service's latest releases its rollbacks are counted over. */
    static final int RECENT = 10;
    /** The hours of a working day in the team's time zone (from 08:00, to 18:00). */
    static final int WORK_STARTS = 8;
    static final int WORK_ENDS = 18;
    static final int MAX_CONFIG = 10;
    static final int MAX_CONCURRENT = 5;

    private final List<ReleaseFacts> releases;
    private final Map<String, List<ReleaseFacts>> byService = new HashMap<>();

    public History(List<ReleaseFacts> releases) {
        this.releases = releases.stream().sorted(Comparator.comparing(ReleaseFacts::submitted).thenComparing(ReleaseFacts::id)).toList();
        for (ReleaseFacts r : this.releases) {
            r.serviceNames().forEach(s -> byService.computeIfAbsent(s, k -> new ArrayList<>()).add(r));
        }
    }

    /** Oldest first. */
    public List<ReleaseFacts> releases() {
        return releases;
    }

    /** One factor of one release: its value and what it is, in words. */
    public record Observation(Factor factor, double value, String words) {
    }

    /** Every factor of {@code r} as of its submission, in {@link Factor} order; times of day in {@code zone}. */
    public List<Observation> observe(ReleaseFacts r, ZoneId zone) {
        Instant t = r.submitted();
        Map<Factor, Observation> out = new EnumMap<>(Factor.class);
        rollbacks(r, t, out);
        sinceLast(r, t, out);
        int n = r.serviceNames().size();
        out.put(Factor.SERVICES, new Observation(Factor.SERVICES, n <= 1 ? 0 : Math.log(n) / Math.log(2),
                n <= 1 ? "one service" : n + " services in one release"));
        out.put(Factor.MIGRATION, new Observation(Factor.MIGRATION, r.migrates() ? 1 : 0, r.migrates() ? "migrates a database" : "no database migration"));
        changes(r, t, out);
        ZonedDateTime local = t.atZone(zone);
        boolean off = local.getHour() < WORK_STARTS || local.getHour() >= WORK_ENDS;
        String clock = String.format(Locale.ROOT, "%02d:%02d %s", local.getHour(), local.getMinute(), label(zone));
        out.put(Factor.OFF_HOURS, new Observation(Factor.OFF_HOURS, off ? 1 : 0, (off ? "outside working hours (" : "in working hours (") + clock + ")"));
        String day = local.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
        boolean late = local.getDayOfWeek().getValue() >= 5;
        out.put(Factor.END_OF_WEEK, new Observation(Factor.END_OF_WEEK, late ? 1 : 0, "on a " + day + " (" + label(zone) + ")"));
        List<String> running = releases.stream().filter(o -> !o.id().equals(r.id()) && o.runningAt(t)).map(ReleaseFacts::id).toList();
        int c = Math.min(MAX_CONCURRENT, running.size());
        out.put(Factor.CONCURRENT, new Observation(Factor.CONCURRENT, c, running.isEmpty() ? "no other release running"
                : running.size() + " other release" + (running.size() == 1 ? "" : "s") + " running (" + String.join(", ", running.stream().limit(3).toList())
                + (running.size() > 3 ? ", ..." : "") + ")"));
        return List.copyOf(out.values());
    }

    /** The numbers alone, in {@link Factor} order. */
    public double[] features(ReleaseFacts r, ZoneId zone) {
        return observe(r, zone).stream().mapToDouble(Observation::value).toArray();
    }

    /** What a past release teaches the model (its factors as of its submission, and whether it failed); empty when it teaches nothing. */
    public Optional<RiskModel.Example> example(ReleaseFacts r, ZoneId zone) {
        return r.failed().map(f -> new RiskModel.Example(features(r, zone), f));
    }

    /** Every release that teaches something, oldest first. */
    public List<RiskModel.Example> examples(ZoneId zone) {
        return releases.stream().map(r -> example(r, zone)).flatMap(Optional::stream).toList();
    }

    /** The releases of {@code service} that had ended by {@code t} having deployed something, latest first, at most {@link #RECENT}. */
    List<ReleaseFacts> recent(String service, Instant t, int limit) {
        List<ReleaseFacts> all = byService.getOrDefault(service, List.of());
        List<ReleaseFacts> out = new ArrayList<>();
        for (int i = all.size() - 1; i >= 0 && out.size() < limit; i--) {
            ReleaseFacts p = all.get(i);
            if (p.submitted().isBefore(t) && p.endedBy(t) && p.deployed()) {
                out.add(p);
            }
        }
        return out;
    }

    /** The rollbacks {@code service} caused in its releases ended before {@code t} (latest {@code limit}), by cause. */
    Map<RollbackCause, Integer> rollbacksOf(String service, Instant t, int limit) {
        Map<RollbackCause, Integer> causes = new EnumMap<>(RollbackCause.class);
        for (ReleaseFacts p : recent(service, t, limit)) {
            RollbackCause c = p.rollbacks().get(service);
            if (c != null) {
                causes.merge(c, 1, Integer::sum);
            }
        }
        return causes;
    }

    private void rollbacks(ReleaseFacts r, Instant t, Map<Factor, Observation> out) {
        String worst = null;
        Map<RollbackCause, Integer> worstCauses = Map.of();
        int most = 0;
        int seen = 0;
        for (String s : r.serviceNames()) {
            Map<RollbackCause, Integer> causes = rollbacksOf(s, t, RECENT);
            int n = causes.values().stream().mapToInt(Integer::intValue).sum();
            if (n > most) {
                most = n;
                worst = s;
                worstCauses = causes;
                seen = recent(s, t, RECENT).size();
            }
        }
        if (worst == null) {
            out.put(Factor.ROLLBACKS, new Observation(Factor.ROLLBACKS, 0, "no rollbacks of its services in their last releases"));
            return;
        }
        List<String> parts = new ArrayList<>();
        worstCauses.entrySet().stream().sorted(Map.Entry.<RollbackCause, Integer>comparingByValue().reversed())
                .forEach(e -> parts.add(e.getValue() + " " + e.getKey().name().toLowerCase(Locale.ROOT).replace('_', ' ')));
        out.put(Factor.ROLLBACKS, new Observation(Factor.ROLLBACKS, most, most + " rollback" + (most == 1 ? "" : "s") + " of " + worst + " in its last "
                + seen + " release" + (seen == 1 ? "" : "s") + " (" + String.join(", ", parts) + ")"));
    }

    private void sinceLast(ReleaseFacts r, Instant t, Map<Factor, Observation> out) {
        String stalest = null;
        Duration longest = null;
        for (String s : r.serviceNames()) {
            Optional<Instant> last = byService.getOrDefault(s, List.of()).stream().filter(p -> p.submitted().isBefore(t) && p.deployed()
                    && !p.id().equals(r.id())).map(ReleaseFacts::submitted).max(Comparator.naturalOrder());
            if (last.isPresent()) {
                Duration d = Duration.between(last.get(), t);
                if (longest == null || d.compareTo(longest) > 0) {
                    longest = d;
                    stalest = s;
                }
            }
        }
        if (longest == null) {
            out.put(Factor.SINCE_LAST, new Observation(Factor.SINCE_LAST, 0, "no earlier release of its services"));
            return;
        }
        double days = longest.toSeconds() / 86_400.0;
        out.put(Factor.SINCE_LAST, new Observation(Factor.SINCE_LAST, Math.log1p(days) / Math.log(2), stalest + " last released " + ago(longest) + " ago"));
    }

    private void changes(ReleaseFacts r, Instant t, Map<Factor, Observation> out) {
        int settings = 0;
        Map<String, TreeSet<String>> changed = new LinkedHashMap<>();
        List<String> newDeps = new ArrayList<>();
        for (String s : r.serviceNames()) {
            Optional<ReleaseFacts> base = lastPromoted(s, t);
            if (base.isEmpty()) {
                continue; // a first release: nothing runs to compare with
            }
            TreeSet<String> keys = new TreeSet<>();
            for (ServiceFacts now : r.deploymentsOf(s)) {
                Optional<ServiceFacts> before = base.get().services().stream().filter(b -> b.deployment().equals(now.deployment())).findFirst();
                if (before.isEmpty()) {
                    continue;
                }
                keys.addAll(now.changedSince(before.get()));
                for (String d : new TreeSet<>(now.dependsOn())) {
                    if (!before.get().dependsOn().contains(d) && !newDeps.contains(s + " on " + d)) {
                        newDeps.add(s + " on " + d);
                    }
                }
            }
            if (!keys.isEmpty()) {
                changed.put(s, keys);
                settings += keys.size();
            }
        }
        List<String> parts = changed.entrySet().stream().map(e -> e.getKey() + ": " + String.join(", ", e.getValue())).toList();
        out.put(Factor.CONFIG, new Observation(Factor.CONFIG, Math.min(MAX_CONFIG, settings), settings == 0 ? "no configuration changes"
                : settings + " configuration change" + (settings == 1 ? "" : "s") + " (" + String.join("; ", parts) + ")"));
        out.put(Factor.NEW_DEPENDENCIES, new Observation(Factor.NEW_DEPENDENCIES, newDeps.size(), newDeps.isEmpty() ? "no new dependencies"
                : newDeps.size() + " new dependenc" + (newDeps.size() == 1 ? "y" : "ies") + " (" + String.join(", ", newDeps) + ")"));
    }

    /** The release that put what runs now in place: the service's last one promoted by {@code t}. */
    Optional<ReleaseFacts> lastPromoted(String service, Instant t) {
        List<ReleaseFacts> all = byService.getOrDefault(service, List.of());
        for (int i = all.size() - 1; i >= 0; i--) {
            ReleaseFacts p = all.get(i);
            if (p.submitted().isBefore(t) && p.endedBy(t) && p.outcome().orElseThrow() == Outcome.PROMOTED) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** "Europe/Berlin", and "UTC" rather than "Z". */
    static String label(ZoneId zone) {
        return zone.getId().equals("Z") ? "UTC" : zone.getId();
    }

    static String ago(Duration d) {
        long m = d.toMinutes();
        if (m < 1) {
            return "less than a minute";
        }
        if (m < 120) {
            return m + " minute" + (m == 1 ? "" : "s");
        }
        long h = d.toHours();
        if (h < 48) {
            return h + " hours";
        }
        return d.toDays() + " days";
    }
}
