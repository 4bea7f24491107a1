package io.glidepath.spec;

import io.glidepath.route.RouteMatch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A fleet: the customer instances of one service of a release (dedicated instances, regions, cells),
 * each with its own route and overrides of the service's run settings on top of the service's shared
 * definition, shipped in {@link Ring}s under a {@link FailureBudget}. The customers come from a fleet
 * file of their own ({@code file}, which many releases may name) or from the release file itself.
 * {@link ReleaseReader} turns each customer into a deployment of its own, named
 * {@code SERVICE.CUSTOMER} (see {@link ServiceSpec#fleetMember()}).
 *
 * @param template the service as the release file defines it, before any customer's overrides
 */
public record FleetSpec(ServiceSpec template, Optional<String> file, List<Customer> customers, List<Ring> rings, int maxParallel,
                        FailureBudget budget, Location location) {

    public FleetSpec {
        customers = List.copyOf(customers);
        rings = List.copyOf(rings);
    }

    public String service() {
        return template.name();
    }

    /** The deployment name of a customer: the service's name, a dot, the customer's (no service name holds a dot). */
    public static String deploymentName(String service, String customer) {
        return service + "." + customer;
    }

    public Optional<Customer> customer(String name) {
        return customers.stream().filter(c -> c.name().equals(name)).findFirst();
    }

    /**
     * One customer: its name, where its users reach it ({@code host} and/or {@code pathPrefix}, over
     * the service's route) and its overrides of the service's run settings. {@code origins} says
     * where each overriding value was written ({@code host}, {@code env.NAME}, {@code replicas},
     * {@code resources.cpu}, ...).
     */
    public record Customer(String name, Optional<String> host, Optional<String> pathPrefix, Map<String, String> env, Optional<Integer> replicas,
                           Optional<String> cpu, Optional<String> memory, Map<String, Location> origins, Location location) {
        public Customer {
            // in the file's order, for people reading the effective configuration
            env = Collections.unmodifiableMap(new LinkedHashMap<>(env));
            origins = Collections.unmodifiableMap(new LinkedHashMap<>(origins));
        }
    }

    /**
     * A ring: customers that deploy together (at most {@code maxParallel} at once; 0 takes the fleet's),
     * after every earlier ring is done. With {@code gate} the release waits for {@code glidepath promote}
     * before the ring begins; {@code bakeAfter} is the wait after the ring before the next one.
     */
    public record Ring(String name, List<String> customers, int maxParallel, boolean gate, Duration bakeAfter, Location location) {
        public Ring {
            customers = List.copyOf(customers);
        }
    }

    /** What to do with the customers already updated when the budget is exceeded. */
    public enum OnExceeded {
        /** Every customer (and every other service) the release updated goes back to its previous version: the release rolls back. */
        ROLLBACK,
        /** The release stops; customers already updated keep the new version, failed ones are back on their previous one. */
        KEEP
    }

    /**
     * How many customers may fail (each rolling itself back) before the release stops: {@code max}
     * customers, or {@code share} of the fleet (rounded down) when given.
     */
    public record FailureBudget(int max, Optional<Double> share, OnExceeded then) {
        public static final FailureBudget NONE = new FailureBudget(0, Optional.empty(), OnExceeded.ROLLBACK);

        /** The failures a fleet of {@code customers} tolerates. */
        public int allowed(int customers) {
            return share.map(s -> (int) Math.floor(s * customers + 1e-9)).orElse(max);
        }

        public String describe(int customers) {
            return share.map(s -> Percentages.format(s) + " of " + customers + " customers (" + allowed(customers) + ")").orElse(max + " customer"
                    + (max == 1 ? "" : "s")) + ", then " + (then == OnExceeded.ROLLBACK ? "roll back every customer" : "keep the customers updated");
        }
    }

    /** One setting of a customer's effective configuration and where it came from. */
    public record Setting(String field, String value, boolean overridden, Location from) {
    }

    /**
     * A customer's effective configuration: the service's shared definition with the customer's
     * overrides on top, each value with the place it was written.
     */
    public List<Setting> effective(Customer c) {
        List<Setting> out = new ArrayList<>();
        ServiceSpec s = template;
        Location shared = s.location();
        RouteMatch m = s.route().match();
        out.add(c.host().map(h -> new Setting("route.host", h, true, c.origins().get("host")))
                .orElseGet(() -> new Setting("route.host", m.host() == null ? "(any)" : m.host(), false, shared)));
        out.add(c.pathPrefix().map(p -> new Setting("route.pathPrefix", p, true, c.origins().get("pathPrefix")))
                .orElseGet(() -> new Setting("route.pathPrefix", m.pathPrefix(), false, shared)));
        if (!s.run().command().isEmpty()) {
            out.add(new Setting("run.command", String.join(" ", s.run().command()), false, s.run().location()));
        }
        s.run().container().ifPresent(k -> out.add(new Setting("run.image", k.image(), false, s.run().location())));
        out.add(c.replicas().map(r -> new Setting("run.replicas", String.valueOf(r), true, c.origins().get("replicas")))
                .orElseGet(() -> new Setting("run.replicas", String.valueOf(s.run().replicas()), false, s.run().location())));
        s.run().container().ifPresent(k -> {
            c.cpu().or(k::cpu).ifPresent(v -> out.add(new Setting("run.resources.cpu", v, c.cpu().isPresent(),
                    c.cpu().isPresent() ? c.origins().get("resources.cpu") : s.run().location())));
            c.memory().or(k::memory).ifPresent(v -> out.add(new Setting("run.resources.memory", v, c.memory().isPresent(),
                    c.memory().isPresent() ? c.origins().get("resources.memory") : s.run().location())));
        });
        Map<String, String> env = new LinkedHashMap<>(s.run().env());
        env.putAll(c.env());
        env.forEach((k, v) -> out.add(new Setting("run.env." + k, v, c.env().containsKey(k),
                c.env().containsKey(k) ? c.origins().get("env." + k) : s.run().location())));
        return out;
    }

    /** The ring a customer is in (0-based). */
    public int ringOf(String customer) {
        for (int i = 0; i < rings.size(); i++) {
            if (rings.get(i).customers().contains(customer)) {
                return i;
            }
        }
        throw new IllegalArgumentException("customer " + customer + " is in no ring of fleet " + service());
    }
}
