package io.glidepath.cli.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.glidepath.journal.EventJson;
import io.glidepath.spec.Durations;
import io.glidepath.spec.FleetMember;
import io.glidepath.spec.FleetSpec;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.spec.Wave;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A release's fleets at a glance, from its events: per ring, how many customers wait, deploy, are
 * done or failed, the ring's gate or bake, each failed customer with its reason, and a time-left
 * estimate per fleet. Live progress draws it instead of one line per customer; the deploy summary
 * ends with it.
 *
 * <p>Time left: the median time a finished customer took (first phase after pending to done, by the
 * events' times) times, for each ring not done, its customers left divided by the ring's parallelism
 * (rounded up: customers go in rounds), plus the bakes still to come (what is left of a bake under
 * way). A manual gate adds nothing, as nobody knows when someone will promote; the line says it waits.
 */
final class FleetBoard {
    /** How a person counts a customer: {@link #ROLLED_BACK} is one the release put back without its own failure (the release rolled back or stopped). */
    enum Count { WAITING, DEPLOYING, DONE, FAILED, ROLLED_BACK }

    private static final int FAILURES_SHOWN = 5;

    private static final class Customer {
        final FleetMember member;
        final int wave;
        String phase = "PENDING";
        Instant started;
        Instant finished;
        String failure;

        Customer(FleetMember member, int wave) {
            this.member = member;
            this.wave = wave;
        }

        Count count() {
            if (failure != null) {
                return Count.FAILED;
            }
            return switch (phase) {
                case "PENDING" -> Count.WAITING;
                case "DONE", "UNCHANGED" -> Count.DONE;
                case "ROLLING_BACK", "ROLLED_BACK" -> Count.ROLLED_BACK;
                default -> Count.DEPLOYING;
            };
        }
    }

    /** A ring as a wave of the release: its number (from 1), settings, and what the journal last said of it. */
    private static final class Ring {
        final String fleet;
        final String name;
        final int wave;
        final int parallel;
        final boolean gate;
        final Duration bakeAfter;
        String state; // null: not started; STARTED, GATED, BAKING, DONE
        Instant stateAt;

        Ring(String fleet, String name, int wave, int parallel, boolean gate, Duration bakeAfter) {
            this.fleet = fleet;
            this.name = name;
            this.wave = wave;
            this.parallel = parallel;
            this.gate = gate;
            this.bakeAfter = bakeAfter;
        }
    }

    private final ReleaseSpec spec;
    private final Map<String, Customer> customers = new LinkedHashMap<>();
    private final List<Ring> rings = new ArrayList<>();
    private final Map<String, int[]> budgets = new LinkedHashMap<>(); // fleet -> {failed, allowed}
    private final Map<String, String> budgetOutcome = new LinkedHashMap<>();
    private Instant lastEventAt;

    FleetBoard(ReleaseSpec spec) {
        this.spec = spec;
        List<Wave> stages = spec.fleets().isEmpty() ? List.of() : spec.stages();
        for (int w = 0; w < stages.size(); w++) {
            Wave wave = stages.get(w);
            List<FleetMember> members = wave.services().stream().flatMap(s -> s.fleetMember().stream()).toList();
            for (FleetMember m : members) {
                customers.put(FleetSpec.deploymentName(m.service(), m.customer()), new Customer(m, w + 1));
            }
            int number = w + 1;
            for (String fleet : members.stream().map(FleetMember::service).distinct().toList()) {
                long count = members.stream().filter(m -> m.service().equals(fleet)).count();
                int parallel = wave.maxParallel() <= 0 ? (int) count : (int) Math.min(wave.maxParallel(), count);
                String ring = members.stream().filter(m -> m.service().equals(fleet)).findFirst().orElseThrow().ringName();
                rings.add(new Ring(fleet, ring, number, Math.max(1, parallel), wave.gate(), wave.bakeAfter()));
            }
        }
        for (FleetSpec f : spec.fleets()) {
            budgets.put(f.service(), new int[] {0, f.budget().allowed(f.customers().size())});
        }
    }

    boolean isEmpty() {
        return customers.isEmpty();
    }

    /** True when {@code service} is a fleet's customer (drawn here, not as a service line of its own). */
    boolean covers(String service) {
        return service != null && customers.containsKey(service);
    }

    /** The fleets whose first ring is wave {@code wave} (where their block goes among the services' lines). */
    List<String> fleetsStartingAt(int wave) {
        return rings.stream().filter(r -> r.wave == wave).map(r -> r.fleet)
                .filter(f -> rings.stream().filter(r -> r.fleet.equals(f)).mapToInt(r -> r.wave).min().orElse(0) == wave).distinct().toList();
    }

    void event(JsonNode e) {
        Instant at = time(e);
        if (at != null && (lastEventAt == null || at.isAfter(lastEventAt))) {
            lastEventAt = at;
        }
        String service = e.path("service").asText(null);
        switch (e.path("kind").asText()) {
            case "phase" -> {
                Customer c = customers.get(service);
                if (c == null) {
                    return;
                }
                String phase = e.path("phase").asText();
                if (c.started == null && !phase.equals("PENDING")) {
                    c.started = at;
                }
                if (phase.equals("DONE")) {
                    c.finished = at;
                }
                c.phase = phase;
            }
            case "customerFailed" -> {
                Customer c = customers.get(service);
                if (c != null) {
                    c.failure = e.path("reason").asText(e.path("message").asText());
                }
                String fleet = e.path("fleet").asText();
                budgets.put(fleet, new int[] {e.path("failed").asInt(), e.path("allowed").asInt()});
                if (e.path("exceeded").asBoolean()) {
                    budgetOutcome.put(fleet, e.path("keep").asBoolean() ? "exceeded: the release stopped, customers updated keep the new version"
                            : "exceeded: every customer updated goes back");
                }
            }
            case "wave" -> {
                int wave = e.path("wave").asInt();
                for (Ring r : rings) {
                    if (r.wave == wave) {
                        r.state = e.path("state").asText();
                        r.stateAt = at;
                    }
                }
            }
            default -> {
                // nothing else moves a customer
            }
        }
    }

    /** Each fleet's block: a head (done, failed against the budget, time left), a line per ring, failed customers under their ring. */
    List<String> lines(String fleet, boolean manyWaves) {
        List<String> out = new ArrayList<>();
        List<Customer> all = customers.values().stream().filter(c -> c.member.service().equals(fleet)).toList();
        long done = all.stream().filter(c -> c.count() == Count.DONE).count();
        long failed = all.stream().filter(c -> c.count() == Count.FAILED).count();
        int[] budget = budgets.getOrDefault(fleet, new int[] {0, 0});
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "  fleet %s  %d of %d customers done, %d failed (budget %d of %d%s)",
                fleet, done, all.size(), failed, budget[0], budget[1], Optional.ofNullable(budgetOutcome.get(fleet)).map(x -> " " + x).orElse("")));
        timeLeft(fleet).ifPresentOrElse(t -> head.append(", about ").append(rough(t)).append(" left"),
                () -> head.append(done + failed < all.size() ? ", time left known once a customer is done" : ""));
        out.add(head.toString());
        int width = rings.stream().filter(r -> r.fleet.equals(fleet)).mapToInt(r -> r.name.length()).max().orElse(0);
        for (Ring r : rings.stream().filter(x -> x.fleet.equals(fleet)).toList()) {
            List<Customer> in = all.stream().filter(c -> c.wave == r.wave).toList();
            StringBuilder sb = new StringBuilder(manyWaves ? String.format(Locale.ROOT, "    w%-2d ", r.wave) : "    ");
            sb.append(String.format(Locale.ROOT, "%-" + width + "s  waiting %3d  deploying %3d  done %3d  failed %3d", r.name, count(in, Count.WAITING),
                    count(in, Count.DEPLOYING), count(in, Count.DONE), count(in, Count.FAILED)));
            long back = count(in, Count.ROLLED_BACK);
            if (back > 0) {
                sb.append(String.format(Locale.ROOT, "  rolled back %d", back));
            }
            sb.append("  ").append(ringState(r));
            out.add(sb.toString());
            List<Customer> failures = in.stream().filter(c -> c.failure != null).toList();
            failures.stream().limit(FAILURES_SHOWN).forEach(c -> out.add("        " + FleetSpec.deploymentName(fleet, c.member.customer()) + " failed: "
                    + c.failure));
            if (failures.size() > FAILURES_SHOWN) {
                out.add("        and " + (failures.size() - FAILURES_SHOWN) + " more failed (glidepath show has each)");
            }
        }
        return out;
    }

    /** Every fleet's block, in the release's order. */
    List<String> lines(boolean manyWaves) {
        List<String> out = new ArrayList<>();
        spec.fleets().forEach(f -> out.addAll(lines(f.service(), manyWaves)));
        return out;
    }

    /** The fleets in JSON for the deploy summary: per ring its counts, and every failed customer with its reason. */
    ArrayNode json() {
        ArrayNode a = EventJson.MAPPER.createArrayNode();
        for (FleetSpec f : spec.fleets()) {
            ObjectNode o = a.addObject().put("service", f.service()).put("customers", f.customers().size());
            int[] budget = budgets.get(f.service());
            o.putObject("failureBudget").put("failed", budget[0]).put("allowed", budget[1]).put("exceeded", budgetOutcome.containsKey(f.service()));
            ArrayNode rs = o.putArray("rings");
            for (Ring r : rings.stream().filter(x -> x.fleet.equals(f.service())).toList()) {
                List<Customer> in = customers.values().stream().filter(c -> c.member.service().equals(f.service()) && c.wave == r.wave).toList();
                ObjectNode ro = rs.addObject().put("name", r.name).put("wave", r.wave).put("state", r.state == null ? "NOT_STARTED" : r.state);
                for (Count c : Count.values()) {
                    ro.put(switch (c) {
                        case WAITING -> "waiting";
                        case DEPLOYING -> "deploying";
                        case DONE -> "done";
                        case FAILED -> "failed";
                        case ROLLED_BACK -> "rolledBack";
                    }, count(in, c));
                }
            }
            ArrayNode failed = o.putArray("failed");
            customers.values().stream().filter(c -> c.member.service().equals(f.service()) && c.failure != null)
                    .forEach(c -> failed.addObject().put("customer", c.member.customer()).put("ring", c.member.ringName()).put("reason", c.failure));
        }
        return a;
    }

    /** The estimate described at the top, or empty while no customer of the fleet has finished. */
    Optional<Duration> timeLeft(String fleet) {
        List<Long> took = customers.values().stream().filter(c -> c.member.service().equals(fleet) && c.started != null && c.finished != null)
                .map(c -> Duration.between(c.started, c.finished).toMillis()).sorted().toList();
        if (took.isEmpty()) {
            return Optional.empty();
        }
        long median = took.size() % 2 == 1 ? took.get(took.size() / 2) : (took.get(took.size() / 2 - 1) + took.get(took.size() / 2)) / 2;
        Duration left = Duration.ZERO;
        for (Ring r : rings.stream().filter(x -> x.fleet.equals(fleet)).toList()) {
            if ("DONE".equals(r.state)) {
                continue;
            }
            long remaining = customers.values().stream().filter(c -> c.member.service().equals(fleet) && c.wave == r.wave)
                    .filter(c -> c.count() == Count.WAITING || c.count() == Count.DEPLOYING).count();
            long rounds = (remaining + r.parallel - 1) / r.parallel;
            left = left.plusMillis(rounds * median);
            if ("BAKING".equals(r.state) && r.stateAt != null && lastEventAt != null) {
                Duration baked = Duration.between(r.stateAt, lastEventAt);
                left = left.plus(baked.compareTo(r.bakeAfter) >= 0 ? Duration.ZERO : r.bakeAfter.minus(baked));
            } else {
                left = left.plus(r.bakeAfter);
            }
        }
        return Optional.of(left);
    }

    private String ringState(Ring r) {
        String bake = r.bakeAfter.isZero() ? "" : ", then bake " + Durations.format(r.bakeAfter);
        if (r.state == null) {
            return (r.gate ? "not started (manual gate)" : "not started") + bake;
        }
        return switch (r.state) {
            case "GATED" -> "waits for glidepath promote (manual gate)";
            case "BAKING" -> "baking " + Durations.format(r.bakeAfter) + " before the next ring";
            case "DONE" -> "done";
            default -> "deploying" + bake;
        };
    }

    private static long count(List<Customer> in, Count what) {
        return in.stream().filter(c -> c.count() == what).count();
    }

    private static Instant time(JsonNode e) {
        try {
            return e.hasNonNull("at") ? Instant.parse(e.path("at").asText()) : null;
        } catch (DateTimeParseException x) {
            return null;
        }
    }

    /** "45s", "3m 10s", "1h 5m": an estimate, to the second. */
    static String rough(Duration d) {
        long s = Math.round(d.toMillis() / 1000.0);
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return s / 60 + "m" + (s % 60 == 0 ? "" : " " + s % 60 + "s");
        }
        return s / 3600 + "h" + (s % 3600 / 60 == 0 ? "" : " " + s % 3600 / 60 + "m");
    }
}
