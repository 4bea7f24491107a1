package io.glidepath.spec;

import io.glidepath.spec.SpecNode.Field;
import io.glidepath.spec.SpecNode.ListNode;
import io.glidepath.spec.SpecNode.MapNode;
import io.glidepath.spec.SpecNode.Scalar;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads a service's {@code fleet}: its customers (from a fleet file beside the release file, or
 * inline), rings, parallelism, bake and failure budget. Part of {@link ReleaseReader}'s walk: it
 * reports to the same list of errors, each at its file, line and column (a fleet file's errors name
 * the fleet file).
 */
final class FleetReader {
    /** Customers in one fleet: each is a deployment with its own instances. */
    static final int MAX_CUSTOMERS = 10_000;

    private final ReleaseReader r;
    private final Includes includes;
    private final String releaseFile;

    FleetReader(ReleaseReader r, Includes includes, String releaseFile) {
        this.r = r;
        this.includes = includes;
        this.releaseFile = releaseFile;
    }

    /** The fleet of {@code template} (read from {@code node} at {@code path}), or empty when it has errors (reported). */
    Optional<FleetSpec> read(SpecNode node, String path, ServiceSpec template) {
        MapNode m = r.map(node, path, "a mapping with the customers (file: customers.yaml, or customers: [...]) and optionally rings, "
                + "maxParallel, bake and failureBudget");
        if (m == null) {
            return Optional.empty();
        }
        int before = r.errorCount();
        r.known(m, path, ReleaseFields.FLEET);
        Optional<String> file = Optional.empty();
        List<FleetSpec.Customer> customers = List.of();
        String customersPath = path + ".customers";
        if (m.get("file") != null && m.get("customers") != null) {
            r.error(m.get("customers").location(), customersPath, "the customers come from the fleet file (file) or from here, not both: "
                    + "remove one of the two");
        } else if (m.get("file") != null) {
            file = r.text(m.get("file"), path + ".file");
            customers = file.map(f -> fromFile(m.get("file"), path + ".file", f, template)).orElse(List.of());
        } else if (m.get("customers") != null) {
            customers = customers(m.get("customers"), customersPath, template);
        } else {
            r.error(m.location(), customersPath, "is required: the customers, listed here or in a fleet file (file: customers.yaml)");
        }
        int maxParallel = r.integer(m.get("maxParallel"), path + ".maxParallel", 0, 0, 1000);
        Duration bake = r.duration(m.get("bake"), path + ".bake", Duration.ZERO, Duration.ZERO, Duration.ofHours(24));
        List<FleetSpec.Ring> rings = rings(m, path, customers, bake);
        FleetSpec.FailureBudget budget = budget(m.get("failureBudget"), path + ".failureBudget", customers.size());
        if (r.errorCount() > before || template == null) {
            return Optional.empty();
        }
        return Optional.of(new FleetSpec(template, file, customers, rings, maxParallel, budget, m.location()));
    }

    // --- the customers ---------------------------------------------------------------------------------

    private List<FleetSpec.Customer> fromFile(SpecNode at, String path, String file, ServiceSpec template) {
        if (file.startsWith("/") || Path.of(file).isAbsolute() || Path.of(file).normalize().startsWith("..") || file.contains("\\")) {
            r.error(at.location(), path, "\"" + SpecNode.abbreviate(file) + "\" must be a path relative to the release file's folder, inside it, "
                    + "such as customers.yaml or fleets/shop.yaml");
            return List.of();
        }
        String text;
        try {
            text = includes.read(file);
        } catch (NoSuchFileException e) {
            r.error(at.location(), path, "no fleet file " + file + " beside the release file; create it, or list the customers here "
                    + "(customers: [...])");
            return List.of();
        } catch (IOException e) {
            r.error(at.location(), path, "the fleet file " + file + " cannot be read: " + e.getMessage());
            return List.of();
        }
        Path dir = Path.of(releaseFile).getParent();
        String name = dir == null ? file : dir.resolve(file).normalize().toString();
        SpecNode root;
        try {
            root = YamlSource.parse(name, text);
        } catch (InvalidSpecException e) {
            e.errors().forEach(r::error);
            return List.of();
        }
        MapNode fm = r.map(root, "", "a fleet file: a mapping with customers: [{name: c01, host: c01.example.com}, ...]");
        if (fm == null) {
            return List.of();
        }
        r.known(fm, "", ReleaseFields.FLEET_FILE);
        if (fm.get("customers") == null) {
            r.error(fm.location(), "customers", "is required: the list of customers, each with a name and its host");
            return List.of();
        }
        return customers(fm.get("customers"), "customers", template);
    }

    private List<FleetSpec.Customer> customers(SpecNode node, String path, ServiceSpec template) {
        if (!(node instanceof ListNode list) || list.items().isEmpty()) {
            r.error(node.location(), path, "must be a non-empty list of customers such as [{name: c01, host: c01.example.com}]; got "
                    + node.describe());
            return List.of();
        }
        if (list.items().size() > MAX_CUSTOMERS) {
            r.error(node.location(), path, "holds " + list.items().size() + " customers; a fleet has at most " + MAX_CUSTOMERS);
            return List.of();
        }
        List<FleetSpec.Customer> out = new ArrayList<>();
        Map<String, FleetSpec.Customer> byName = new HashMap<>();
        Map<String, FleetSpec.Customer> byRoute = new HashMap<>();
        for (int i = 0; i < list.items().size(); i++) {
            String p = path + "[" + i + "]";
            FleetSpec.Customer c = customer(list.items().get(i), p, template);
            if (c == null) {
                continue;
            }
            FleetSpec.Customer first = byName.putIfAbsent(c.name(), c);
            if (first != null) {
                r.error(c.location(), p + ".name", "customer '" + c.name() + "' appears twice (first at line " + first.location().line()
                        + "); give each customer a name of its own");
                continue;
            }
            if (template != null) {
                String host = c.host().orElse(template.route().match().host());
                String prefix = c.pathPrefix().orElse(template.route().match().pathPrefix());
                String route = (host == null ? "(any host)" : "host " + host) + " and path prefix " + prefix;
                FleetSpec.Customer other = byRoute.putIfAbsent(route, c);
                if (other != null) {
                    r.error(c.host().isPresent() ? c.origins().get("host") : c.location(), p + (c.host().isPresent() ? ".host" : ""), "customer '" + other.name() + "' (line "
                            + other.location().line() + ") already takes " + route + "; give each customer its own host (or path prefix)");
                }
            }
            out.add(c);
        }
        return out;
    }

    private FleetSpec.Customer customer(SpecNode node, String p, ServiceSpec template) {
        MapNode m = r.map(node, p, "a customer: a mapping with its name and host, such as {name: c01, host: c01.example.com}");
        if (m == null) {
            return null;
        }
        int before = r.errorCount();
        r.known(m, p, ReleaseFields.CUSTOMER);
        Map<String, Location> origins = new LinkedHashMap<>();
        String name = r.requiredText(m, "name", p).flatMap(n -> r.matches(m.get("name"), p + ".name", n, ReleaseReader.NAME,
                "1-63 characters a-z, 0-9 and '-', starting and ending with a letter or digit")).orElse("?");
        if (template != null && FleetSpec.deploymentName(template.name(), name).length() > 63) {
            r.error(m.get("name").location(), p + ".name", "'" + FleetSpec.deploymentName(template.name(), name) + "' (service, a dot, customer) "
                    + "is longer than 63 characters, the most a route or label takes: shorten the customer's or the service's name");
        }
        Optional<String> host = r.optionalText(m, "host", p + ".host").map(h -> h.toLowerCase(Locale.ROOT))
                .flatMap(h -> r.matches(m.get("host"), p + ".host", h, ReleaseReader.HOST, "a host name such as c01.example.com or *.c01.example.com"));
        host.ifPresent(h -> origins.put("host", m.get("host").location()));
        Optional<String> prefix = r.optionalText(m, "pathPrefix", p + ".pathPrefix")
                .flatMap(x -> r.matches(m.get("pathPrefix"), p + ".pathPrefix", x, ReleaseReader.PREFIX, "a path starting with /, such as /c01"));
        prefix.ifPresent(x -> origins.put("pathPrefix", m.get("pathPrefix").location()));
        Map<String, String> env = new LinkedHashMap<>();
        SpecNode e = m.get("env");
        if (e != null) {
            MapNode em = r.map(e, p + ".env", "a mapping of variable names to values, such as {CHECKOUT_V2: \"true\"}");
            if (em != null) {
                for (Field f : em.fields().values()) {
                    String fp = p + ".env." + f.key();
                    if (!ReleaseReader.ENV_NAME.matcher(f.key()).matches()) {
                        r.error(f.keyLocation(), fp, "is not a valid environment variable name: use letters, digits and _");
                    } else if (!(f.value() instanceof Scalar s) || s.kind() == Scalar.Kind.NULL) {
                        r.error(f.value().location(), fp, "must be a single value (text or number); got " + f.value().describe());
                    } else {
                        r.templates(f.value(), fp, s.text());
                        env.put(f.key(), s.text());
                        origins.put("env." + f.key(), f.value().location());
                    }
                }
            }
        }
        Optional<Integer> replicas = Optional.empty();
        if (m.get("replicas") != null) {
            replicas = Optional.of(r.integer(m.get("replicas"), p + ".replicas", 1, 1, 64));
            origins.put("replicas", m.get("replicas").location());
        }
        Optional<String> cpu = Optional.empty();
        Optional<String> memory = Optional.empty();
        SpecNode res = m.get("resources");
        if (res != null && template != null && template.run().container().isEmpty()) {
            r.error(res.location(), p + ".resources", "overrides the service's run.resources, which go with run.image (a container): "
                    + "the service has no image, so leave resources out");
        } else if (res != null) {
            MapNode rm = r.map(res, p + ".resources", "a mapping such as {cpu: 500m, memory: 256Mi}");
            if (rm != null) {
                r.known(rm, p + ".resources", ReleaseFields.RESOURCES);
                cpu = r.optionalText(rm, "cpu", p + ".resources.cpu").flatMap(v -> r.matches(rm.get("cpu"), p + ".resources.cpu", v,
                        ReleaseReader.QUANTITY, "a quantity of CPU such as 500m (half a core) or 2"));
                memory = r.optionalText(rm, "memory", p + ".resources.memory").flatMap(v -> r.matches(rm.get("memory"), p + ".resources.memory", v,
                        ReleaseReader.QUANTITY, "a quantity of memory such as 256Mi or 1Gi"));
                cpu.ifPresent(v -> origins.put("resources.cpu", rm.get("cpu").location()));
                memory.ifPresent(v -> origins.put("resources.memory", rm.get("memory").location()));
            }
        }
        if (r.errorCount() > before) {
            return null;
        }
        return new FleetSpec.Customer(name, host, prefix, env, replicas, cpu, memory, origins, m.location());
    }

    // --- rings and the budget ----------------------------------------------------------------------------

    /**
     * The rings in order. A ring names its customers, or takes a {@code share} of the fleet (rounded
     * up, from the customers no earlier ring took, in the fleet's order), or, last, the rest. No
     * rings: one ring, {@code all}.
     */
    private List<FleetSpec.Ring> rings(MapNode fleet, String path, List<FleetSpec.Customer> customers, Duration bake) {
        SpecNode node = fleet.get("rings");
        List<String> order = customers.stream().map(FleetSpec.Customer::name).toList();
        if (node == null) {
            return List.of(new FleetSpec.Ring("all", order, 0, false, Duration.ZERO, fleet.location()));
        }
        String p = path + ".rings";
        if (!(node instanceof ListNode list) || list.items().isEmpty()) {
            r.error(node.location(), p, "must be a non-empty list of rings such as [{name: internal, customers: [c01]}, {name: rest}]; got "
                    + node.describe());
            return List.of();
        }
        Set<String> left = new LinkedHashSet<>(order);
        Map<String, String> ringOf = new HashMap<>();
        Set<String> names = new LinkedHashSet<>();
        List<FleetSpec.Ring> out = new ArrayList<>();
        for (int i = 0; i < list.items().size(); i++) {
            String rp = p + "[" + i + "]";
            MapNode m = r.map(list.items().get(i), rp, "a ring: a mapping with its name and its customers (customers: [c01] or share: 25%; "
                    + "neither in the last ring: the rest)");
            if (m == null) {
                continue;
            }
            r.known(m, rp, ReleaseFields.RING);
            String name = r.requiredText(m, "name", rp).flatMap(n -> r.matches(m.get("name"), rp + ".name", n, ReleaseReader.NAME,
                    "1-63 characters a-z, 0-9 and '-', such as internal or early")).orElse("?");
            if (!names.add(name) && !name.equals("?")) {
                r.error(m.get("name").location(), rp + ".name", "ring '" + name + "' appears twice; give each ring a name of its own");
            }
            List<String> taken = new ArrayList<>();
            SpecNode named = m.get("customers");
            Optional<Double> share = r.percentage(m.get("share"), rp + ".share");
            boolean last = i == list.items().size() - 1;
            if (named != null && m.get("share") != null) {
                r.error(m.get("share").location(), rp + ".share", "a ring names its customers or takes a share of the fleet, not both: remove one");
            } else if (named != null) {
                taken = namedCustomers(named, rp + ".customers", order, ringOf, name);
            } else if (share.isPresent()) {
                if (share.get() <= 0) {
                    r.error(m.get("share").location(), rp + ".share", "must be more than 0%");
                }
                int want = (int) Math.ceil(share.get() * order.size() - 1e-9);
                taken = left.stream().limit(Math.max(1, want)).toList();
            } else if (!last) {
                r.error(m.location(), rp, "names no customers and takes no share: only the last ring takes the rest; give this one "
                        + "customers: [...] or share: 25%");
            } else {
                taken = List.copyOf(left);
            }
            taken.forEach(left::remove);
            taken.forEach(c -> ringOf.putIfAbsent(c, name));
            if (taken.isEmpty() && r.errorCount() == 0 && !order.isEmpty()) {
                r.error(m.location(), rp, "ring '" + name + "' gets no customers: the rings before it took them all; remove it");
            }
            int maxParallel = r.integer(m.get("maxParallel"), rp + ".maxParallel", 0, 0, 1000);
            boolean gate = gate(m.get("gate"), rp + ".gate");
            Duration after = r.duration(m.get("bake"), rp + ".bake", bake, Duration.ZERO, Duration.ofHours(24));
            out.add(new FleetSpec.Ring(name, taken, maxParallel, gate, after, m.location()));
        }
        if (!left.isEmpty() && !order.isEmpty() && r.errorCount() == 0) {
            List<String> some = left.stream().limit(5).toList();
            r.error(node.location(), p, "customers in no ring: " + String.join(", ", some) + (left.size() > some.size() ? " and "
                    + (left.size() - some.size()) + " more" : "") + "; add a last ring without customers or share ({name: rest}), which takes the rest");
        }
        return out;
    }

    private List<String> namedCustomers(SpecNode node, String p, List<String> known, Map<String, String> ringOf, String ring) {
        if (!(node instanceof ListNode list) || list.items().isEmpty()) {
            r.error(node.location(), p, "must be a non-empty list of customer names such as [c01, c02]; got " + node.describe());
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < list.items().size(); i++) {
            SpecNode item = list.items().get(i);
            String ip = p + "[" + i + "]";
            Optional<String> name = r.text(item, ip);
            if (name.isEmpty()) {
                continue;
            }
            String n = name.get();
            if (!known.contains(n)) {
                if (!known.isEmpty()) {
                    String hint = Suggestions.closest(n, known).map(x -> ": did you mean '" + x + "'?").orElse("");
                    r.error(item.location(), ip, "no customer '" + SpecNode.abbreviate(n) + "' in this fleet" + hint);
                }
            } else if (ringOf.containsKey(n) || out.contains(n)) {
                r.error(item.location(), ip, "customer '" + n + "' is already in ring '" + ringOf.getOrDefault(n, ring) + "'; a customer is in one ring");
            } else {
                out.add(n);
            }
        }
        return out;
    }

    private boolean gate(SpecNode node, String p) {
        if (node == null) {
            return false;
        }
        if (node instanceof Scalar s && s.kind() == Scalar.Kind.STRING && s.text().equals("manual")) {
            return true;
        }
        r.error(node.location(), p, "must be manual (the release waits for glidepath promote before this ring), or left out; got " + node.describe());
        return false;
    }

    private FleetSpec.FailureBudget budget(SpecNode node, String p, int customers) {
        if (node == null) {
            return FleetSpec.FailureBudget.NONE;
        }
        MapNode m = r.map(node, p, "a mapping such as {max: 2, then: rollback} or {max: 5%, then: keep}");
        if (m == null) {
            return FleetSpec.FailureBudget.NONE;
        }
        r.known(m, p, ReleaseFields.BUDGET);
        int max = 0;
        Optional<Double> share = Optional.empty();
        SpecNode mx = m.get("max");
        if (mx == null) {
            r.error(m.location(), p + ".max", "is required: how many customers may fail (a number, or a share such as 5%) before the release stops");
        } else if (mx instanceof Scalar s && s.kind() == Scalar.Kind.STRING) {
            share = r.percentage(mx, p + ".max");
        } else {
            max = r.integer(mx, p + ".max", 0, 0, Math.max(0, customers));
        }
        FleetSpec.OnExceeded then = FleetSpec.OnExceeded.ROLLBACK;
        SpecNode t = m.get("then");
        if (t != null) {
            Optional<String> word = r.text(t, p + ".then");
            if (word.isPresent()) {
                switch (word.get()) {
                    case "rollback" -> then = FleetSpec.OnExceeded.ROLLBACK;
                    case "keep" -> then = FleetSpec.OnExceeded.KEEP;
                    default -> r.error(t.location(), p + ".then", "must be rollback (every customer updated goes back) or keep (they keep the "
                            + "new version; the release stops); got " + t.describe());
                }
            }
        }
        return new FleetSpec.FailureBudget(max, share, then);
    }
}
