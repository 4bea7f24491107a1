package io.glidepath.spec;

import io.glidepath.migration.MigrationRule;
import io.glidepath.route.BackendProtocol;
import io.glidepath.route.HttpsPolicy;
import io.glidepath.route.RouteMatch;
import io.glidepath.route.Stickiness;
import io.glidepath.spec.SpecNode.Field;
import io.glidepath.spec.SpecNode.ListNode;
import io.glidepath.spec.SpecNode.MapNode;
import io.glidepath.spec.SpecNode.Scalar;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads and checks a release file. Every error is collected (not only the first), each with
 * file:line:column, the field's path and what to do; a file with any error yields no release. The
 * field names of each level are in {@link ReleaseFields}, which the published JSON Schema mirrors.
 *
 * <p>Why one class of this size: it is one walk over the file's tree, a method per field group, all
 * adding to one list of errors with their locations so that every error is reported at once; the
 * field names themselves live apart, in {@link ReleaseFields}.
 */
public final class ReleaseReader {
    static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    static final Pattern RELEASE_NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");
    static final Pattern VERSION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]{0,127}");
    static final Pattern HOST = Pattern.compile("(\\*\\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");
    static final Pattern PATH = Pattern.compile("/[\\x21-\\x7e]*");
    static final Pattern PREFIX = Pattern.compile("/[\\x21-\\x7e&&[^?#]]*");
    static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}");
    static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    /** An OCI image reference: [registry[:port]/]path[:tag][@sha256:digest], lower-case path components. */
    static final Pattern IMAGE = Pattern.compile("([a-zA-Z0-9.-]+(:[0-9]+)?/)?[a-z0-9]+([._-]+[a-z0-9]+)*(/[a-z0-9]+([._-]+[a-z0-9]+)*)*"
            + "(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?");
    /** A Kubernetes quantity as a pod's resources take it: 500m, 0.5, 2; 256Mi, 1Gi, 512M. */
    static final Pattern QUANTITY = Pattern.compile("[0-9]+(\\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?");
    static final Pattern METRIC_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]{0,62}");
    private static final Pattern NOTHING = Pattern.compile("(?!)");
    static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");

    /** Defaults, documented in docs/spec.md. */
    static final Readiness DEFAULT_READINESS = new Readiness("/health", Duration.ofMillis(500), Duration.ofSeconds(1), 2, Duration.ofSeconds(60));
    /** A fully qualified gRPC service name (package.Service), or "" for the server as a whole. */
    private static final Pattern GRPC_SERVICE = Pattern.compile("|[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*");
    /** An h2c service's: the standard gRPC health service, for the whole server. */
    static final Readiness DEFAULT_GRPC_READINESS = new Readiness("/health", Duration.ofMillis(500), Duration.ofSeconds(1), 2, Duration.ofSeconds(60),
            Optional.of(""));
    static final List<Step> DEFAULT_STEPS = List.of(new Step.Weight(1000), new Step.Bake(Duration.ofSeconds(30)),
            new Step.Weight(5000), new Step.Bake(Duration.ofSeconds(30)));
    static final Analysis.Rule DEFAULT_RULE = new Analysis.Rule.ErrorRate(Optional.of(0.01), Optional.empty());
    static final Duration DEFAULT_KEEP_PREVIOUS = Duration.ofMinutes(5);
    static final Duration DEFAULT_STOP_GRACE = Duration.ofSeconds(30);

    private final String file;
    private final List<SpecError> errors = new ArrayList<>();
    private final FieldChecks fieldChecks = new FieldChecks(errors);
    private final FleetReader fleetReader;
    /** Each fleet read so far, by its service's name. */
    private final Map<String, FleetSpec> fleets = new LinkedHashMap<>();
    /** Where each customer's deployment was written, for messages about it. */
    private final Map<String, String> customerPaths = new HashMap<>();
    /** Where each service was written ({@code services[i]}). */
    private final Map<String, String> servicePaths = new HashMap<>();
    /** The release's {@code databases}, read before the services that name them. */
    private final List<DatabaseSpec> sharedDatabases = new ArrayList<>();
    /** Databases declared on a service ({@code database: {url: ...}}), named after it. */
    private final List<DatabaseSpec> serviceDatabases = new ArrayList<>();

    private ReleaseReader(String file, Includes includes) {
        this.file = file;
        this.fleetReader = new FleetReader(this, includes, file);
    }

    /** Parses and checks a release file's text; {@code file} names it in messages. It may name no file beside it (a fleet file). */
    public static ReleaseSpec read(String file, String text) throws InvalidSpecException {
        return read(file, text, Includes.none());
    }

    /** Parses and checks a release file's text, reading the files it names beside it (a fleet file) through {@code includes}. */
    public static ReleaseSpec read(String file, String text, Includes includes) throws InvalidSpecException {
        return read(YamlSource.parse(file, text), includes);
    }

    /** Checks an already parsed document. */
    public static ReleaseSpec read(SpecNode root) throws InvalidSpecException {
        return read(root, Includes.none());
    }

    /** Checks an already parsed document, reading the files it names through {@code includes}. */
    public static ReleaseSpec read(SpecNode root, Includes includes) throws InvalidSpecException {
        ReleaseReader r = new ReleaseReader(root.location().file(), includes);
        ReleaseSpec spec = r.release(root);
        if (!r.errors.isEmpty()) {
            String own = root.location().file();
            List<SpecError> sorted = new ArrayList<>(r.errors);
            // the release file's errors first, then each other file's, each in file order
            sorted.sort(Comparator.comparing((SpecError e) -> !e.location().file().equals(own)).thenComparing(e -> e.location().file())
                    .thenComparingInt(e -> e.location().line()).thenComparingInt(e -> e.location().column()));
            throw new InvalidSpecException(sorted);
        }
        return spec;
    }

    // --- the release ---------------------------------------------------------------------------------

    private ReleaseSpec release(SpecNode root) {
        MapNode m = map(root, "", "a release: a mapping with 'services' (and optionally 'release')");
        if (m == null) {
            return null;
        }
        known(m, "", ReleaseFields.RELEASE);
        Optional<String> name = optionalText(m, "release", "release").flatMap(n -> matches(m.get("release"), "release", n, RELEASE_NAME,
                "1-63 characters a-z, 0-9, '.', '_', '-', starting with a letter or digit"));
        sharedDatabases.addAll(databases(m.get("databases")));
        List<ServiceSpec> services = new ArrayList<>();
        SpecNode s = m.get("services");
        if (s == null) {
            error(m.location(), "services", "is required: the list of services this release ships");
        } else if (!(s instanceof ListNode list) || list.items().isEmpty()) {
            error(s.location(), "services", "must be a non-empty list of services, each with a name and a version; got " + s.describe());
        } else {
            for (int i = 0; i < list.items().size(); i++) {
                ServiceSpec svc = service(list.items().get(i), "services[" + i + "]");
                if (svc != null) {
                    services.add(svc);
                }
            }
            crossChecks(list, services);
            services = withCustomers(services);
            routeChecks(list, services);
        }
        int maxParallel = integer(m.get("maxParallel"), "maxParallel", 0, 0, 1000);
        List<HttpCheck> verify = new ArrayList<>();
        SpecNode v = m.get("verify");
        if (v != null) {
            if (!(v instanceof ListNode vl)) {
                error(v.location(), "verify", "must be a list of checks through the router, such as [{name: checkout, request: {path: /checkout}}]; got "
                        + v.describe());
            } else {
                Set<String> names = new LinkedHashSet<>();
                for (int i = 0; i < vl.items().size(); i++) {
                    HttpCheck c = check(vl.items().get(i), "verify[" + i + "]");
                    if (c != null) {
                        if (!names.add(c.name())) {
                            error(vl.items().get(i).location(), "verify[" + i + "].name", "verify check '" + c.name() + "' appears twice; give each a name of its own");
                        }
                        verify.add(c);
                    }
                }
            }
        }
        List<DatabaseSpec> databases = new ArrayList<>(sharedDatabases);
        databases.addAll(serviceDatabases);
        return new ReleaseSpec(name, services, maxParallel, verify, databases, List.copyOf(fleets.values()), root.location());
    }

    /**
     * Each fleet's service becomes one deployment per customer, in its place; a service that depends
     * on a fleet's service depends on every one of its customers.
     */
    private List<ServiceSpec> withCustomers(List<ServiceSpec> services) {
        if (fleets.isEmpty()) {
            return services;
        }
        List<ServiceSpec> out = new ArrayList<>();
        for (ServiceSpec s : services) {
            List<String> deps = new ArrayList<>();
            for (String d : s.dependsOn()) {
                FleetSpec f = fleets.get(d);
                if (f == null) {
                    deps.add(d);
                } else {
                    f.customers().forEach(c -> deps.add(FleetSpec.deploymentName(d, c.name())));
                }
            }
            ServiceSpec withDeps = deps.equals(s.dependsOn()) ? s : s.withDependsOn(deps);
            FleetSpec f = fleets.get(s.name());
            if (f == null) {
                out.add(withDeps);
                continue;
            }
            String at = f.file().isPresent() ? "customers" : servicePaths.getOrDefault(s.name(), "services") + ".fleet.customers";
            for (int i = 0; i < f.customers().size(); i++) {
                FleetSpec.Customer c = f.customers().get(i);
                ServiceSpec customer = withDeps.forCustomer(f, c);
                customerPaths.put(customer.name(), at + "[" + i + "]");
                out.add(customer);
            }
        }
        return out;
    }

    /** Checks across services: unique names, known dependencies, no cycles, no shared route. */
    private void crossChecks(ListNode list, List<ServiceSpec> services) {
        Map<String, ServiceSpec> byName = new LinkedHashMap<>();
        for (ServiceSpec s : services) {
            ServiceSpec first = byName.putIfAbsent(s.name(), s);
            if (first != null) {
                error(s.location(), pathOf(list, s) + ".name", "service '" + s.name() + "' appears twice (first at line "
                        + first.location().line() + "); a release ships each service once");
            }
        }
        for (ServiceSpec s : services) {
            for (int d = 0; d < s.dependsOn().size(); d++) {
                String dep = s.dependsOn().get(d);
                if (dep.equals(s.name())) {
                    error(s.location(), pathOf(list, s) + ".dependsOn[" + d + "]", "service '" + s.name() + "' depends on itself; remove it");
                } else if (!byName.containsKey(dep) && !servicePaths.containsKey(dep)) { // a service with errors of its own was reported
                    String hint = Suggestions.closest(dep, byName.keySet()).map(x -> ": did you mean '" + x + "'?")
                            .orElse(": services in this release are " + String.join(", ", byName.keySet()));
                    error(s.location(), pathOf(list, s) + ".dependsOn[" + d + "]", "no service '" + dep + "' in this release" + hint);
                }
            }
        }
        List<String> cycle = DependencyGraph.of(services).findCycle();
        if (!cycle.isEmpty()) {
            ServiceSpec at = byName.get(cycle.get(0));
            error(at.location(), pathOf(list, at) + ".dependsOn", "dependencies form a cycle: " + String.join(" -> ", cycle)
                    + "; a service cannot wait for itself, remove one of these dependsOn entries");
        }
    }

    /** No two deployments (services, or customers of a fleet) on one route; customers of one fleet were checked as the fleet was read. */
    private void routeChecks(ListNode list, List<ServiceSpec> services) {
        Map<RouteMatch, ServiceSpec> routes = new HashMap<>();
        for (ServiceSpec s : services) {
            ServiceSpec other = routes.putIfAbsent(s.route().match(), s);
            boolean sameFleet = other != null && other.fleetMember().isPresent() && s.fleetMember().isPresent()
                    && other.fleetMember().get().service().equals(s.fleetMember().get().service());
            if (other != null && other != s && !sameFleet) {
                error(s.location(), pathOf(list, s) + ".route", (other.fleetMember().isPresent() ? "customer '" + other.fleetMember().get().customer()
                        + "' of " + other.fleetMember().get().service() : "service '" + other.name() + "'") + " already takes host "
                        + (s.route().match().host() == null ? "(any)" : s.route().match().host()) + " and path prefix "
                        + s.route().match().pathPrefix() + "; give each service its own host or prefix");
            }
        }
    }

    private String pathOf(ListNode list, ServiceSpec s) {
        String customer = customerPaths.get(s.name());
        if (customer != null) {
            return customer;
        }
        for (int i = 0; i < list.items().size(); i++) {
            if (list.items().get(i).location().equals(s.location())) {
                return "services[" + i + "]";
            }
        }
        return "services";
    }

    // --- a service -------------------------------------------------------------------------------------

    private ServiceSpec service(SpecNode node, String path) {
        MapNode m = map(node, path, "a service: a mapping with at least name, version, run and route");
        if (m == null) {
            return null;
        }
        int before = errors.size();
        known(m, path, ReleaseFields.SERVICE);
        String name = requiredText(m, "name", path).flatMap(n -> matches(m.get("name"), path + ".name", n, NAME,
                "1-63 characters a-z, 0-9 and '-', starting and ending with a letter or digit")).orElse("?");
        String version = requiredText(m, "version", path).flatMap(v -> matches(m.get("version"), path + ".version", v, VERSION,
                "letters, digits and . _ + -, such as 2.4.0 or 2024-05-01.3")).orElse("?");
        List<String> dependsOn = names(m.get("dependsOn"), path + ".dependsOn");
        RunSpec run = run(m, path);
        ServiceRoute route = route(m, path);
        Readiness readiness = readiness(m.get("readiness"), path + ".readiness", run != null && run.protocol() == BackendProtocol.H2C);
        List<HttpCheck> smoke = smoke(m.get("smoke"), path + ".smoke");
        if (run != null && run.protocol() == BackendProtocol.H2C && !smoke.isEmpty()) {
            error(m.get("smoke").location(), path + ".smoke", "smoke checks are HTTP/1.1 requests, which a gRPC (h2c) service does not answer: "
                    + "leave them out; its instances are proven by the gRPC health check (readiness.grpc) and the analysis");
        }
        Strategy strategy = strategy(m.get("strategy"), path + ".strategy");
        List<Step> steps = steps(m, strategy, path);
        Analysis analysis = analysis(m.get("analysis"), path + ".analysis");
        if (analysis != null && analysis.prometheus().isPresent() && steps.stream().anyMatch(s -> s instanceof Step.Mirror)) {
            error(m.get("steps").location(), path + ".steps", "mirror steps are judged on the copies' figures, which only the router counts "
                    + "(Prometheus sees no shadow track): leave analysis.metrics.prometheus out, or the mirror steps");
        }
        Duration keepPrevious = duration(m.get("keepPrevious"), path + ".keepPrevious", DEFAULT_KEEP_PREVIOUS, Duration.ZERO, Duration.ofHours(24));
        Optional<String> database = serviceDatabase(m.get("database"), path + ".database", name);
        boolean clean = errors.size() == before;
        ServiceSpec spec = clean ? new ServiceSpec(name, version, dependsOn, run, route, readiness, smoke, strategy, steps, analysis, keepPrevious,
                database, m.location()) : null;
        servicePaths.put(name, path);
        if (m.get("fleet") != null) {
            fleetReader.read(m.get("fleet"), path + ".fleet", spec).ifPresent(f -> fleets.put(name, f));
        }
        if (errors.size() > before) {
            return null; // reported; crossChecks() only sees services that read cleanly
        }
        return spec;
    }

    private RunSpec run(MapNode service, String path) {
        String p = path + ".run";
        SpecNode node = service.get("run");
        if (node == null) {
            error(service.location(), p, "is required: how to start an instance, at least run.command such as [java, -jar, app.jar] "
                    + "(or, on Kubernetes, run.image)");
            return null;
        }
        MapNode m = map(node, p, "a mapping with command and/or image (and env, workdir, replicas, stopGrace, port, resources)");
        if (m == null) {
            return null;
        }
        known(m, p, ReleaseFields.RUN);
        List<String> command = new ArrayList<>();
        SpecNode c = m.get("command");
        if (c == null && m.get("image") == null) {
            error(m.location(), p + ".command", "is required: the program and its arguments as a list, such as [java, -jar, app.jar] "
                    + "(or, on Kubernetes, run.image: the container image to run)");
        } else if (c != null && (!(c instanceof ListNode list) || list.items().isEmpty())) {
            error(c.location(), p + ".command", "must be a non-empty list (argv, never run through a shell), such as [java, -jar, app.jar]; got "
                    + c.describe());
        } else if (c != null) {
            ListNode list = (ListNode) c;
            for (int i = 0; i < list.items().size(); i++) {
                SpecNode item = list.items().get(i);
                if (!(item instanceof Scalar s) || s.kind() == Scalar.Kind.NULL) {
                    error(item.location(), p + ".command[" + i + "]", "must be a single argument (text); got " + item.describe());
                    continue;
                }
                templates(item, p + ".command[" + i + "]", s.text());
                command.add(s.text());
            }
        }
        Map<String, String> env = new LinkedHashMap<>();
        SpecNode e = m.get("env");
        if (e != null) {
            MapNode em = map(e, p + ".env", "a mapping of variable names to values, such as {PORT: \"{{port}}\"}");
            if (em != null) {
                for (Field f : em.fields().values()) {
                    if (!ENV_NAME.matcher(f.key()).matches()) {
                        error(f.keyLocation(), p + ".env." + f.key(), "is not a valid environment variable name: use letters, digits and _");
                    } else if (!(f.value() instanceof Scalar s) || s.kind() == Scalar.Kind.NULL) {
                        error(f.value().location(), p + ".env." + f.key(), "must be a single value (text or number); got " + f.value().describe());
                    } else {
                        templates(f.value(), p + ".env." + f.key(), s.text());
                        env.put(f.key(), s.text());
                    }
                }
            }
        }
        Optional<String> workdir = optionalText(m, "workdir", p + ".workdir");
        workdir.ifPresent(w -> templates(m.get("workdir"), p + ".workdir", w));
        int replicas = integer(m.get("replicas"), p + ".replicas", 1, 1, 64);
        Duration stopGrace = duration(m.get("stopGrace"), p + ".stopGrace", DEFAULT_STOP_GRACE, Duration.ZERO, Duration.ofMinutes(10));
        BackendProtocol protocol = optionalText(m, "protocol", p + ".protocol").flatMap(x -> {
            Optional<BackendProtocol> bp = BackendProtocol.fromId(x);
            if (bp.isEmpty()) {
                error(m.get("protocol").location(), p + ".protocol", "\"" + SpecNode.abbreviate(x) + "\" is not a protocol: use "
                        + BackendProtocol.names() + " (h2c: HTTP/2 without TLS, what gRPC servers speak)");
            }
            return bp;
        }).orElse(BackendProtocol.HTTP1);
        return new RunSpec(command, env, workdir, replicas, stopGrace, container(m, p), protocol, m.location());
    }

    /** run.image, run.port and run.resources: what a pod needs. */
    private Optional<ContainerSpec> container(MapNode run, String p) {
        Optional<String> image = optionalText(run, "image", p + ".image")
                .flatMap(i -> matches(run.get("image"), p + ".image", i, i.length() <= 512 ? IMAGE : NOTHING,
                        "an image reference such as registry.example.com/catalog:2.4.0 or catalog@sha256:<64 hex digits>"));
        if (image.isEmpty()) {
            for (String k : List.of("port", "resources")) {
                if (run.get(k) != null) {
                    error(run.get(k).location(), p + "." + k, "goes with run.image (it is for a container): add the image, or leave " + k + " out");
                }
            }
            return Optional.empty();
        }
        int port = integer(run.get("port"), p + ".port", ContainerSpec.DEFAULT_PORT, 1, 65535);
        Optional<String> cpu = Optional.empty();
        Optional<String> memory = Optional.empty();
        SpecNode r = run.get("resources");
        if (r != null) {
            MapNode rm = map(r, p + ".resources", "a mapping such as {cpu: 500m, memory: 256Mi}");
            if (rm != null) {
                known(rm, p + ".resources", ReleaseFields.RESOURCES);
                cpu = optionalText(rm, "cpu", p + ".resources.cpu")
                        .flatMap(v -> matches(rm.get("cpu"), p + ".resources.cpu", v, QUANTITY, "a quantity of CPU such as 500m (half a core) or 2"));
                memory = optionalText(rm, "memory", p + ".resources.memory")
                        .flatMap(v -> matches(rm.get("memory"), p + ".resources.memory", v, QUANTITY, "a quantity of memory such as 256Mi or 1Gi"));
            }
        }
        return Optional.of(new ContainerSpec(image.get(), port, cpu, memory));
    }

    private ServiceRoute route(MapNode service, String path) {
        String p = path + ".route";
        SpecNode node = service.get("route");
        if (node == null) {
            error(service.location(), p, "is required: where users reach the service, such as {pathPrefix: /catalog} or {host: catalog.example.com}");
            return null;
        }
        MapNode m = map(node, p, "a mapping with host and/or pathPrefix");
        if (m == null) {
            return null;
        }
        known(m, p, ReleaseFields.ROUTE);
        String host = optionalText(m, "host", p + ".host").map(h -> h.toLowerCase(Locale.ROOT))
                // a host name has at most 253 characters; the length goes first because the pattern's repeated group
                // recurses once per label in java.util.regex, and thousands of labels would overflow the stack
                .flatMap(h -> matches(m.get("host"), p + ".host", h, h.length() <= 253 ? HOST : NOTHING,
                        "a host name of at most 253 characters such as catalog.example.com or *.example.com, without port or scheme"))
                .orElse(null);
        String prefix = optionalText(m, "pathPrefix", p + ".pathPrefix")
                .flatMap(x -> matches(m.get("pathPrefix"), p + ".pathPrefix", x, PREFIX, "a path starting with /, without query, such as /catalog"))
                .orElse("/");
        if (m.get("host") == null && m.get("pathPrefix") == null) {
            error(m.location(), p, "needs host, pathPrefix or both: a route that takes everything would shadow every other service");
        }
        Stickiness sticky = sticky(m.get("sticky"), p + ".sticky");
        boolean shield = bool(m.get("shield"), p + ".shield", true);
        Duration drain = duration(m.get("drainTimeout"), p + ".drainTimeout", Duration.ofSeconds(30), Duration.ZERO, Duration.ofHours(1));
        return new ServiceRoute(new RouteMatch(host, prefix), sticky, shield, drain, https(m.get("https"), p + ".https"),
                bool(m.get("mirrorAllMethods"), p + ".mirrorAllMethods", false));
    }

    /** route.https: {redirect: true, hsts: {maxAge: 8760h, includeSubDomains: true}}. */
    private HttpsPolicy https(SpecNode node, String p) {
        if (node == null) {
            return HttpsPolicy.none();
        }
        MapNode m = map(node, p, "a mapping such as {redirect: true, hsts: {maxAge: 8760h}}");
        if (m == null) {
            return HttpsPolicy.none();
        }
        known(m, p, ReleaseFields.HTTPS);
        boolean redirect = bool(m.get("redirect"), p + ".redirect", false);
        Optional<Duration> maxAge = Optional.empty();
        boolean subdomains = false;
        SpecNode h = m.get("hsts");
        if (h != null) {
            MapNode hm = map(h, p + ".hsts", "a mapping such as {maxAge: 8760h, includeSubDomains: true}");
            if (hm != null) {
                known(hm, p + ".hsts", ReleaseFields.HSTS);
                if (hm.get("maxAge") == null) {
                    error(hm.location(), p + ".hsts.maxAge", "is required: how long browsers keep to HTTPS, such as 8760h (a year)");
                } else {
                    maxAge = Optional.of(duration(hm.get("maxAge"), p + ".hsts.maxAge", Duration.ZERO, Duration.ofMinutes(5), Duration.ofHours(17_520)));
                }
                subdomains = bool(hm.get("includeSubDomains"), p + ".hsts.includeSubDomains", false);
            }
        }
        return new HttpsPolicy(redirect, maxAge, subdomains);
    }

    private Stickiness sticky(SpecNode node, String p) {
        if (node == null) {
            return Stickiness.cookie();
        }
        MapNode m = map(node, p, "a mapping such as {mode: cookie} or {mode: header, name: X-User-Id}");
        if (m == null) {
            return Stickiness.cookie();
        }
        known(m, p, ReleaseFields.STICKY);
        String mode = optionalText(m, "mode", p + ".mode").orElse("cookie");
        Optional<String> name = optionalText(m, "name", p + ".name")
                .flatMap(n -> matches(m.get("name"), p + ".name", n, TOKEN, "a cookie or header name made of letters, digits and -_."));
        return switch (mode) {
            case "cookie" -> name.map(n -> new Stickiness(Stickiness.Mode.COOKIE, n)).orElse(Stickiness.cookie());
            case "none" -> Stickiness.none();
            case "header" -> {
                if (name.isEmpty()) {
                    error(m.location(), p + ".name", "is required with mode header: the request header that names a client, such as X-User-Id");
                    yield Stickiness.cookie();
                }
                yield Stickiness.header(name.get());
            }
            default -> {
                error(m.get("mode").location(), p + ".mode", "must be cookie, header or none; got \"" + mode + "\"");
                yield Stickiness.cookie();
            }
        };
    }

    /** @param grpc the service speaks h2c: its readiness is the gRPC health check ({@code grpc: SERVICE}), never a GET */
    private Readiness readiness(SpecNode node, String p, boolean grpc) {
        Readiness d = grpc ? DEFAULT_GRPC_READINESS : DEFAULT_READINESS;
        if (node == null) {
            return d;
        }
        MapNode m = map(node, p, "a mapping such as {path: /ready, interval: 500ms, deadline: 60s}");
        if (m == null) {
            return d;
        }
        known(m, p, ReleaseFields.READINESS);
        Optional<String> grpcService = d.grpcService();
        if (m.get("grpc") != null) {
            if (!grpc) {
                error(m.get("grpc").location(), p + ".grpc", "checks a gRPC server, which speaks h2c: add run.protocol: h2c, or check a path "
                        + "with readiness.path");
            } else {
                if (m.get("grpc") instanceof Scalar sc && sc.kind() != Scalar.Kind.NULL && GRPC_SERVICE.matcher(sc.text()).matches()) {
                    grpcService = Optional.of(sc.text()); // "" asks for the whole server's health
                } else {
                    error(m.get("grpc").location(), p + ".grpc", "must name the gRPC service whose health counts, such as shop.Cart, or be \"\" "
                            + "for the whole server; got " + m.get("grpc").describe());
                }
            }
        }
        if (grpc && m.get("path") != null) {
            error(m.get("path").location(), p + ".path", "a gRPC (h2c) service answers no GET: its readiness is the gRPC health check; write "
                    + "readiness.grpc: \"\" (the whole server) or the service's name instead");
        }
        String path = optionalText(m, "path", p + ".path")
                .flatMap(x -> matches(m.get("path"), p + ".path", x, PATH, "a path starting with /, such as /ready")).orElse(d.path());
        Duration interval = duration(m.get("interval"), p + ".interval", d.interval(), Duration.ofMillis(50), Duration.ofMinutes(1));
        Duration timeout = duration(m.get("timeout"), p + ".timeout", d.timeout(), Duration.ofMillis(10), Duration.ofMinutes(1));
        int healthyAfter = integer(m.get("healthyAfter"), p + ".healthyAfter", d.healthyAfter(), 1, 100);
        Duration deadline = duration(m.get("deadline"), p + ".deadline", d.deadline(), Duration.ofSeconds(1), Duration.ofHours(1));
        if (deadline.compareTo(interval.multipliedBy(healthyAfter)) < 0 && m.get("deadline") != null) {
            error(m.get("deadline").location(), p + ".deadline", "is shorter than healthyAfter x interval (" + Durations.format(interval.multipliedBy(healthyAfter))
                    + "): no instance could ever become ready; raise the deadline or lower healthyAfter");
        }
        return new Readiness(path, interval, timeout, healthyAfter, deadline, grpcService);
    }

    private List<HttpCheck> smoke(SpecNode node, String p) {
        List<HttpCheck> checks = new ArrayList<>();
        if (node == null) {
            return checks;
        }
        if (!(node instanceof ListNode list)) {
            error(node.location(), p, "must be a list of checks such as [{name: home, request: {path: /}, expect: {status: 200}}]; got " + node.describe());
            return checks;
        }
        Set<String> names = new LinkedHashSet<>();
        for (int i = 0; i < list.items().size(); i++) {
            String ip = p + "[" + i + "]";
            HttpCheck c = check(list.items().get(i), ip);
            if (c != null) {
                if (!names.add(c.name())) {
                    error(list.items().get(i).location(), ip + ".name", "smoke test '" + c.name() + "' appears twice; give each a name of its own");
                }
                checks.add(c);
            }
        }
        return checks;
    }

    private HttpCheck check(SpecNode node, String p) {
        MapNode m = map(node, p, "a mapping with name, request and expect");
        if (m == null) {
            return null;
        }
        known(m, p, ReleaseFields.CHECK);
        String name = requiredText(m, "name", p).orElse("?");
        String method = "GET";
        String path = "/";
        Map<String, String> headers = new LinkedHashMap<>();
        Optional<String> body = Optional.empty();
        SpecNode rq = m.get("request");
        if (rq == null) {
            error(m.location(), p + ".request", "is required: at least {path: /something}");
        } else {
            MapNode r = map(rq, p + ".request", "a mapping such as {method: GET, path: /products}");
            if (r != null) {
                known(r, p + ".request", ReleaseFields.REQUEST);
                method = optionalText(r, "method", p + ".request.method").map(x -> x.toUpperCase(Locale.ROOT)).orElse("GET");
                if (!METHODS.contains(method)) {
                    error(r.get("method").location(), p + ".request.method", "must be one of " + String.join(", ", METHODS.stream().sorted().toList()) + "; got " + method);
                }
                path = requiredText(r, "path", p + ".request")
                        .flatMap(x -> matches(r.get("path"), p + ".request.path", x, PATH, "a path starting with /, such as /products?limit=1")).orElse("/");
                SpecNode h = r.get("headers");
                if (h != null) {
                    MapNode hm = map(h, p + ".request.headers", "a mapping of header names to values");
                    if (hm != null) {
                        for (Field f : hm.fields().values()) {
                            if (!TOKEN.matcher(f.key()).matches()) {
                                error(f.keyLocation(), p + ".request.headers." + f.key(), "is not a valid header name");
                            } else if (!(f.value() instanceof Scalar s) || s.kind() == Scalar.Kind.NULL) {
                                error(f.value().location(), p + ".request.headers." + f.key(), "must be a single value; got " + f.value().describe());
                            } else {
                                headers.put(f.key(), s.text());
                            }
                        }
                    }
                }
                body = optionalText(r, "body", p + ".request.body");
            }
        }
        int status = 200;
        Optional<String> contains = Optional.empty();
        SpecNode ex = m.get("expect");
        if (ex != null) {
            MapNode e = map(ex, p + ".expect", "a mapping such as {status: 200, bodyContains: sku}");
            if (e != null) {
                known(e, p + ".expect", ReleaseFields.EXPECT);
                status = integer(e.get("status"), p + ".expect.status", 200, 100, 599);
                contains = optionalText(e, "bodyContains", p + ".expect.bodyContains");
            }
        }
        Duration timeout = duration(m.get("timeout"), p + ".timeout", Duration.ofSeconds(5), Duration.ofMillis(10), Duration.ofMinutes(5));
        return new HttpCheck(name, method, path, headers, body, status, contains, timeout);
    }

    private Strategy strategy(SpecNode node, String p) {
        if (node == null) {
            return Strategy.CANARY;
        }
        Optional<String> s = text(node, p);
        if (s.isEmpty()) {
            return Strategy.CANARY;
        }
        Optional<Strategy> st = Strategy.fromId(s.get());
        if (st.isEmpty()) {
            String hint = Suggestions.closest(s.get(), List.of("canary", "blueGreen", "auto")).map(x -> ": did you mean " + x + "?").orElse("");
            error(node.location(), p, "must be canary, blueGreen or auto; got \"" + s.get() + "\"" + hint);
            return Strategy.CANARY;
        }
        return st.get();
    }

    private List<Step> steps(MapNode service, Strategy strategy, String path) {
        String p = path + ".steps";
        SpecNode node = service.get("steps");
        if (node == null) {
            return strategy == Strategy.CANARY ? DEFAULT_STEPS : List.of();
        }
        if (strategy == Strategy.BLUE_GREEN) {
            error(node.location(), p, "blueGreen switches all traffic at once and takes no steps; remove steps or use strategy: canary");
            return List.of();
        }
        if (strategy == Strategy.AUTO) {
            error(node.location(), p, "strategy: auto leaves the steps to the server, which chooses them from the release's risk when it is "
                    + "submitted (glidepath plan shows what it would choose); remove steps, or name the strategy: canary");
            return List.of();
        }
        if (!(node instanceof ListNode list) || list.items().isEmpty()) {
            error(node.location(), p, "must be a non-empty list such as [{weight: 10}, {bake: 30s}, {weight: 50}, {bake: 30s}]; got " + node.describe());
            return List.of();
        }
        List<Step> steps = new ArrayList<>();
        int lastWeight = 0;
        for (int i = 0; i < list.items().size(); i++) {
            String ip = p + "[" + i + "]";
            SpecNode item = list.items().get(i);
            MapNode m = map(item, ip, "one of {mirror: 20}, {weight: 10}, {bake: 30s} or {pause: manual}");
            if (m == null) {
                continue;
            }
            known(m, ip, ReleaseFields.STEP);
            if (m.fields().size() != 1 || !ReleaseFields.STEP.contains(m.fields().keySet().iterator().next())) {
                if (m.fields().size() != 1) {
                    error(m.location(), ip, "a step does one thing: write {mirror: 20}, {weight: 10}, {bake: 30s} or {pause: manual}");
                }
                continue;
            }
            Field f = m.fields().values().iterator().next();
            switch (f.key()) {
                case "weight" -> {
                    int w = weight(f.value(), ip + ".weight");
                    if (w > 0) {
                        if (w < lastWeight) {
                            error(f.value().location(), ip + ".weight", "goes down from " + lastWeight / 100.0 + "% to " + w / 100.0
                                    + "%: a canary's weight only grows (it keeps clients where they are); abort to go back");
                        }
                        lastWeight = w;
                        steps.add(new Step.Weight(w));
                    }
                }
                case "mirror" -> {
                    int w = weight(f.value(), ip + ".mirror");
                    if (lastWeight > 0) {
                        error(f.value().location(), ip + ".mirror", "comes after a weight step: mirroring proves the canary on copies of real "
                                + "requests before any user is served by it, so mirror steps go first, such as [{mirror: 20%}, {bake: 1m}, {weight: 10}]");
                    } else if (w > 0) {
                        steps.add(new Step.Mirror(w));
                    }
                }
                case "bake" -> steps.add(new Step.Bake(duration(f.value(), ip + ".bake", Duration.ofSeconds(30), Duration.ofMillis(100), Duration.ofHours(24))));
                default -> {
                    Optional<String> v = text(f.value(), ip + ".pause");
                    if (v.isPresent() && !v.get().equals("manual")) {
                        error(f.value().location(), ip + ".pause", "must be manual (wait for glidepath promote); for a timed wait write {bake: " + v.get() + "}");
                    }
                    steps.add(new Step.ManualPause());
                }
            }
        }
        if (lastWeight == 0 && steps.stream().noneMatch(s -> s instanceof Step.Weight)) {
            error(list.location(), p, "has no weight step: a canary needs at least one, such as {weight: 10}");
        }
        return steps;
    }

    /** A step weight: a number of percent (5 or 0.5) or a percentage (5%); as basis points. */
    private int weight(SpecNode node, String p) {
        double percent;
        if (node instanceof Scalar s && (s.kind() == Scalar.Kind.INT || s.kind() == Scalar.Kind.FLOAT)) {
            percent = Double.parseDouble(s.text());
        } else if (node instanceof Scalar s && s.kind() == Scalar.Kind.STRING && Percentages.parse(s.text()).isPresent()) {
            percent = Percentages.parse(s.text()).get() * 100;
        } else {
            error(node.location(), p, "must be a percentage of traffic such as 10 or 10%; got " + node.describe());
            return 0;
        }
        if (percent <= 0 || percent > 100 || Math.abs(percent * 100 - Math.round(percent * 100)) > 1e-9) {
            error(node.location(), p, "must be more than 0% and at most 100%, in steps of 0.01%; got " + node.describe());
            return 0;
        }
        return (int) Math.round(percent * 100);
    }

    private Analysis analysis(SpecNode node, String p) {
        Analysis d = new Analysis(Duration.ofSeconds(1), 50, 2, Duration.ofSeconds(30), List.of(DEFAULT_RULE));
        if (node == null) {
            return d;
        }
        MapNode m = map(node, p, "a mapping such as {interval: 1s, minRequests: 50, failAfter: 2, rules: [...]}");
        if (m == null) {
            return d;
        }
        known(m, p, ReleaseFields.ANALYSIS);
        // the router keeps its figures per second: a shorter interval would never get a window to judge
        Duration interval = duration(m.get("interval"), p + ".interval", d.interval(), Duration.ofSeconds(1), Duration.ofMinutes(5));
        long minRequests = integer(m.get("minRequests"), p + ".minRequests", (int) d.minRequests(), 0, 1_000_000);
        int failAfter = integer(m.get("failAfter"), p + ".failAfter", d.failAfter(), 1, 100);
        Duration post = duration(m.get("postPromotion"), p + ".postPromotion", d.postPromotion(), Duration.ZERO, Duration.ofHours(1));
        List<Analysis.Rule> rules = new ArrayList<>();
        SpecNode rn = m.get("rules");
        if (rn == null) {
            rules.add(DEFAULT_RULE);
        } else if (!(rn instanceof ListNode list) || list.items().isEmpty()) {
            error(rn.location(), p + ".rules", "must be a non-empty list such as [{errorRate: {max: 1%}}, {latency: {percentile: 99, max: 300ms}}]; got "
                    + rn.describe());
        } else {
            for (int i = 0; i < list.items().size(); i++) {
                Analysis.Rule r = rule(list.items().get(i), p + ".rules[" + i + "]");
                if (r != null) {
                    rules.add(r);
                }
            }
        }
        Analysis.Judging judging = judging(m, p);
        Optional<PrometheusSpec> prometheus = metrics(m.get("metrics"), p + ".metrics");
        if (prometheus.isPresent() && interval.compareTo(PrometheusSpec.MIN_INTERVAL) < 0) {
            SpecNode at = m.get("interval") != null ? m.get("interval") : m.get("metrics");
            error(at.location(), p + ".interval", "is " + Durations.format(interval) + (m.get("interval") == null ? " (the default)" : "")
                    + ", too short for Prometheus: increase() and rate() need at least two scrapes in a window; use 4 scrape intervals or more"
                    + " (interval: 5s with scrape_interval: 1s, 1m with 15s)");
        }
        if (rn instanceof ListNode list && prometheus.isPresent()) {
            // a latency rule with no query to read it would never be checked: a silent pass
            for (int i = 0; i < list.items().size(); i++) {
                if (!(list.items().get(i) instanceof MapNode rm) || rm.get("latency") == null) {
                    continue;
                }
                if (prometheus.get().latency().isEmpty()) {
                    error(rm.location(), p + ".rules[" + i + "].latency", "needs a latency query to read it from Prometheus: add "
                            + "analysis.metrics.prometheus.latency, such as histogram_quantile({{quantile}}, sum by (le) (rate(..._bucket{...}[{{window}}])))");
                } else if (judging.kind() == Analysis.Judging.Kind.SEQUENTIAL && prometheus.get().slowerThan().isEmpty()) {
                    error(rm.location(), p + ".rules[" + i + "].latency", "the sequential judge counts slow requests: add "
                            + "analysis.metrics.prometheus.slowerThan, the requests slower than {{seconds}}");
                }
            }
        }
        if (rn instanceof ListNode list) {
            Set<String> names = new LinkedHashSet<>();
            for (int i = 0; i < list.items().size(); i++) {
                if (!(list.items().get(i) instanceof MapNode rm) || !(rm.get("metric") instanceof MapNode mm)
                        || !(mm.get("name") instanceof Scalar name)) {
                    continue;
                }
                if (prometheus.isEmpty()) {
                    error(rm.location(), p + ".rules[" + i + "].metric", "reads Prometheus: add analysis.metrics.prometheus (with its requests and "
                            + "errors queries) to this service's analysis");
                }
                if (!names.add(name.text())) {
                    error(name.location(), p + ".rules[" + i + "].metric.name", "metric '" + name.text() + "' appears twice; give each a name of its own");
                }
            }
        }
        return new Analysis(interval, minRequests, failAfter, post, rules, judging, prometheus);
    }

    /** {@code metrics: {prometheus: {...}}}: where the figures come from (the router when absent). */
    private Optional<PrometheusSpec> metrics(SpecNode node, String p) {
        if (node == null) {
            return Optional.empty();
        }
        MapNode m = map(node, p, "a mapping such as {prometheus: {url: http://127.0.0.1:9090, requests: '...', errors: '...'}}");
        if (m == null) {
            return Optional.empty();
        }
        known(m, p, ReleaseFields.METRICS);
        SpecNode pn = m.get("prometheus");
        if (pn == null) {
            error(m.location(), p + ".prometheus", "is required here: leave metrics out to read the router's figures");
            return Optional.empty();
        }
        String pp = p + ".prometheus";
        MapNode pm = map(pn, pp, "a mapping with requests and errors queries (and url, timeout, latency, slowerThan)");
        if (pm == null) {
            return Optional.empty();
        }
        int before = errors.size();
        known(pm, pp, ReleaseFields.PROMETHEUS);
        Optional<java.net.URI> url = optionalText(pm, "url", pp + ".url").flatMap(u -> {
            Optional<String> problem = PrometheusSpec.urlProblem(u, false);
            problem.ifPresent(x -> error(pm.get("url").location(), pp + ".url", "\"" + SpecNode.abbreviate(u) + "\" " + x));
            return problem.isPresent() ? Optional.empty() : Optional.of(java.net.URI.create(u));
        });
        Duration timeout = duration(pm.get("timeout"), pp + ".timeout", PrometheusSpec.DEFAULT_TIMEOUT, Duration.ofMillis(100), Duration.ofMinutes(1));
        String requests = query(pm, "requests", pp, null, true).orElse("");
        String errs = query(pm, "errors", pp, null, true).orElse("");
        Optional<String> latency = query(pm, "latency", pp, QueryTemplates.QUANTILE, false);
        Optional<String> slower = query(pm, "slowerThan", pp, QueryTemplates.SECONDS, false);
        if (errors.size() > before) {
            return Optional.empty();
        }
        return Optional.of(new PrometheusSpec(url, timeout, requests, errs, latency, slower, pm.location()));
    }

    /** A PromQL query with its placeholders checked; {@code extra} is the placeholder it needs besides the common ones. */
    private Optional<String> query(MapNode m, String key, String parent, String extra, boolean required) {
        String p = parent + "." + key;
        SpecNode n = m.get(key);
        if (n == null) {
            if (required) {
                error(m.location(), p, "is required: the PromQL " + (key.equals("requests") ? "counting the requests" : "counting the 5xx answers")
                        + " of one track in the window, such as sum(increase(glidepath_router_requests_total{route=\"{{service}}\",track=\"{{track}}\""
                        + (key.equals("errors") ? ",class=\"5xx\"" : "") + "}[{{window}}]))");
            }
            return Optional.empty();
        }
        Optional<String> q = text(n, p);
        q.ifPresent(x -> QueryTemplates.problems(x, extra).forEach(problem -> error(n.location(), p, problem)));
        return q;
    }

    /** The judge and its settings; the sequential judge's settings are refused with the thresholds judge, which has no use for them. */
    private Analysis.Judging judging(MapNode m, String p) {
        Analysis.Judging.Kind kind = choice(m.get("judge"), p + ".judge", Analysis.Judging.Kind.class, Analysis.Judging.Kind.THRESHOLDS);
        Analysis.Judging d = kind == Analysis.Judging.Kind.SEQUENTIAL ? Analysis.Judging.SEQUENTIAL : Analysis.Judging.THRESHOLDS;
        if (kind == Analysis.Judging.Kind.THRESHOLDS) {
            for (String f : List.of("alpha", "tolerance", "inconclusive", "warmup")) {
                if (m.get(f) != null) {
                    error(m.get(f).location(), p + "." + f, "is a setting of the sequential judge: add judge: sequential, or leave it out");
                }
            }
            return d;
        }
        double alpha = d.alpha();
        SpecNode an = m.get("alpha");
        if (an != null) {
            Optional<Double> a = percentage(an, p + ".alpha");
            if (a.isPresent() && (a.get() < 0.0001 || a.get() > 0.1)) {
                error(an.location(), p + ".alpha", "must be from 0.01% to 10% (the most a healthy canary may be rolled back, such as 1%); got "
                        + an.describe());
            } else if (a.isPresent()) {
                alpha = a.get();
            }
        }
        double tolerance = d.tolerance();
        SpecNode tn = m.get("tolerance");
        if (tn != null) {
            if (tn instanceof Scalar s && (s.kind() == Scalar.Kind.INT || s.kind() == Scalar.Kind.FLOAT)
                    && Double.parseDouble(s.text()) >= 1 && Double.parseDouble(s.text()) <= 3) {
                tolerance = Double.parseDouble(s.text());
            } else {
                error(tn.location(), p + ".tolerance", "must be a ratio from 1 to 3, such as 1.1 (the canary may be 10% worse than stable); got "
                        + tn.describe());
            }
        }
        Analysis.Judging.Inconclusive inconclusive = choice(m.get("inconclusive"), p + ".inconclusive", Analysis.Judging.Inconclusive.class,
                d.inconclusive());
        Duration warmup = duration(m.get("warmup"), p + ".warmup", d.warmup(), Duration.ZERO, Duration.ofMinutes(30));
        return new Analysis.Judging(kind, alpha, tolerance, inconclusive, warmup);
    }

    /** One of an enum's values, written in lower camel case ({@code blueGreen}, {@code sequential}). */
    private <E extends Enum<E>> E choice(SpecNode node, String path, Class<E> type, E dflt) {
        if (node == null) {
            return dflt;
        }
        List<String> words = java.util.Arrays.stream(type.getEnumConstants()).map(ReleaseReader::word).toList();
        if (node instanceof Scalar s && s.kind() == Scalar.Kind.STRING) {
            for (E e : type.getEnumConstants()) {
                if (word(e).equals(s.text())) {
                    return e;
                }
            }
        }
        String seen = node instanceof Scalar s ? s.text() : "";
        String hint = Suggestions.closest(seen, java.util.Set.copyOf(words)).map(w -> "; did you mean " + w + "?").orElse("");
        error(node.location(), path, "must be " + String.join(" or ", words) + "; got " + node.describe() + hint);
        return dflt;
    }

    private static String word(Enum<?> e) {
        String lower = e.name().toLowerCase(java.util.Locale.ROOT);
        StringBuilder b = new StringBuilder();
        boolean up = false;
        for (char c : lower.toCharArray()) {
            if (c == '_') {
                up = true;
            } else {
                b.append(up ? Character.toUpperCase(c) : c);
                up = false;
            }
        }
        return b.toString();
    }

    private Analysis.Rule rule(SpecNode node, String p) {
        MapNode m = map(node, p, "{errorRate: {max: 1%}}, {latency: {percentile: 99, max: 300ms}} or {metric: {name: ..., query: ..., min: ...}}");
        if (m == null) {
            return null;
        }
        known(m, p, ReleaseFields.RULE);
        if (m.fields().size() != 1) {
            error(m.location(), p, "a rule is one of errorRate, latency or metric; write each as its own list item");
            return null;
        }
        Field f = m.fields().values().iterator().next();
        if (f.key().equals("errorRate")) {
            MapNode e = map(f.value(), p + ".errorRate", "a mapping such as {max: 1%, maxIncrease: 0.5%}");
            if (e == null) {
                return null;
            }
            known(e, p + ".errorRate", ReleaseFields.ERROR_RATE);
            Optional<Double> max = percentage(e.get("max"), p + ".errorRate.max");
            Optional<Double> inc = percentage(e.get("maxIncrease"), p + ".errorRate.maxIncrease");
            if (e.get("max") == null && e.get("maxIncrease") == null) {
                error(e.location(), p + ".errorRate", "needs max (the canary's error rate) and/or maxIncrease (over stable's), such as {max: 1%}");
            }
            return new Analysis.Rule.ErrorRate(max, inc);
        }
        if (f.key().equals("latency")) {
            MapNode l = map(f.value(), p + ".latency", "a mapping such as {percentile: 99, max: 300ms}");
            if (l == null) {
                return null;
            }
            known(l, p + ".latency", ReleaseFields.LATENCY);
            double percentile = 99;
            SpecNode pn = l.get("percentile");
            if (pn != null) {
                if (pn instanceof Scalar s && (s.kind() == Scalar.Kind.INT || s.kind() == Scalar.Kind.FLOAT)
                        && Double.parseDouble(s.text()) >= 50 && Double.parseDouble(s.text()) <= 99.99) {
                    percentile = Double.parseDouble(s.text());
                } else {
                    error(pn.location(), p + ".latency.percentile", "must be a number from 50 to 99.99, such as 99; got " + pn.describe());
                }
            }
            if (l.get("max") == null) {
                error(l.location(), p + ".latency.max", "is required: the highest acceptable latency at that percentile, such as 300ms");
            }
            Duration max = duration(l.get("max"), p + ".latency.max", Duration.ofMillis(300), Duration.ofMillis(1), Duration.ofMinutes(10));
            return new Analysis.Rule.Latency(percentile, max);
        }
        if (f.key().equals("metric")) {
            return metricRule(f.value(), p + ".metric");
        }
        return null; // unknown kind: reported by known()
    }

    /** {@code {metric: {name: checkouts, query: '...', min: 0.05}}}: a figure of the service's own, read from Prometheus. */
    private Analysis.Rule metricRule(SpecNode node, String p) {
        MapNode m = map(node, p, "a mapping such as {name: checkouts, query: 'sum(increase(checkouts_total{version=\"{{version}}\"}[{{window}}]))', min: 1}");
        if (m == null) {
            return null;
        }
        known(m, p, ReleaseFields.METRIC);
        String name = requiredText(m, "name", p).flatMap(n -> matches(m.get("name"), p + ".name", n, METRIC_NAME,
                "1-63 characters: letters, digits, '_', '-' and '.', starting with a letter")).orElse("?");
        String query = "";
        if (m.get("query") == null) {
            error(m.location(), p + ".query", "is required: the PromQL giving this figure for one track in the window, such as "
                    + "sum(increase(checkouts_total{version=\"{{version}}\"}[{{window}}]))");
        } else {
            query = query(m, "query", p, null, true).orElse("");
        }
        Optional<Double> min = number(m.get("min"), p + ".min");
        Optional<Double> max = number(m.get("max"), p + ".max");
        if (m.get("min") == null && m.get("max") == null) {
            error(m.location(), p, "needs min and/or max: the lowest and highest acceptable values, such as {min: 1}");
        } else if (min.isPresent() && max.isPresent() && min.get() > max.get()) {
            error(m.get("max").location(), p + ".max", "is below min (" + trimNumber(min.get()) + "): no value could pass");
        }
        return new Analysis.Rule.Metric(name, query, min, max);
    }

    private Optional<Double> number(SpecNode node, String path) {
        if (node == null) {
            return Optional.empty();
        }
        if (node instanceof Scalar s && (s.kind() == Scalar.Kind.INT || s.kind() == Scalar.Kind.FLOAT)) {
            try {
                double v = Double.parseDouble(s.text().replace("_", ""));
                if (Double.isFinite(v)) {
                    return Optional.of(v);
                }
            } catch (NumberFormatException ignored) {
                // .inf, .nan and the like: reported below
            }
        }
        error(node.location(), path, "must be a number such as 5 or 0.25; got " + node.describe());
        return Optional.empty();
    }

    private static String trimNumber(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? String.valueOf((long) d) : String.valueOf(d);
    }

    // --- databases ----------------------------------------------------------------------------------------

    /** A service's {@code database}: the name of one of the release's {@code databases}, or a database of its own. */
    private Optional<String> serviceDatabase(SpecNode node, String path, String service) {
        if (node == null) {
            return Optional.empty();
        }
        if (node instanceof MapNode) {
            DatabaseSpec d = database(node, path, service);
            if (d != null && sharedDatabases.stream().anyMatch(x -> x.name().equals(service))) {
                error(node.location(), path, "declares the service's own database, and the release's databases have one named '" + service
                        + "' too: name the shared one (database: " + service + ") or rename it");
            } else if (d != null) {
                serviceDatabases.add(d);
            }
            return Optional.of(service);
        }
        Optional<String> name = text(node, path).flatMap(n -> matches(node, path, n, NAME, "the name of one of the release's databases, "
                + "or a mapping with url and expand/contract folders"));
        name.filter(n -> sharedDatabases.stream().noneMatch(d -> d.name().equals(n))).ifPresent(n -> {
            Set<String> names = new LinkedHashSet<>();
            sharedDatabases.forEach(d -> names.add(d.name()));
            String hint = Suggestions.closest(n, names).map(x -> ": did you mean '" + x + "'?")
                    .orElse(names.isEmpty() ? ": declare it under the release's databases, or give the service a database of its own "
                            + "as a mapping with url and expand/contract folders" : ": the release's databases are " + String.join(", ", names));
            error(node.location(), path, "no database '" + n + "' in this release" + hint);
        });
        return name;
    }

    /** The release's {@code databases}: each with a name, shared by the services that name it. */
    private List<DatabaseSpec> databases(SpecNode node) {
        List<DatabaseSpec> out = new ArrayList<>();
        if (node == null) {
            return out;
        }
        if (!(node instanceof ListNode list) || list.items().isEmpty()) {
            error(node.location(), "databases", "must be a list of databases that several services share, each with a name, a url "
                    + "and expand and/or contract folders; got " + node.describe());
            return out;
        }
        for (int i = 0; i < list.items().size(); i++) {
            SpecNode item = list.items().get(i);
            String p = "databases[" + i + "]";
            Optional<String> name = item instanceof MapNode im ? requiredText(im, "name", p)
                    .flatMap(n -> matches(im.get("name"), p + ".name", n, NAME, "1-63 characters a-z, 0-9 and '-'")) : Optional.empty();
            DatabaseSpec d = database(item, p, name.orElse("?"));
            if (d == null || name.isEmpty()) {
                continue;
            }
            if (out.stream().anyMatch(o -> o.name().equals(d.name()))) {
                error(item.location(), p + ".name", "database '" + d.name() + "' appears twice; give each its own name");
            } else {
                out.add(d);
            }
        }
        return out;
    }

    private DatabaseSpec database(SpecNode node, String p, String name) {
        MapNode m = map(node, p, "a database: a mapping with url (a JDBC URL such as jdbc:postgresql://db:5432/shop?user=shop) and "
                + "expand and/or contract folders of Flyway migrations");
        if (m == null) {
            return null;
        }
        int before = errors.size();
        known(m, p, p.startsWith("databases") ? ReleaseFields.SHARED_DATABASE : ReleaseFields.DATABASE);
        String url = requiredText(m, "url", p).flatMap(u -> jdbcUrl(m.get("url"), p + ".url", u)).orElse("?");
        Optional<String> passwordEnv = optionalText(m, "passwordEnv", p + ".passwordEnv")
                .flatMap(v -> matches(m.get("passwordEnv"), p + ".passwordEnv", v, ENV_NAME, "an environment variable name such as SHOP_DB_PASSWORD"));
        Optional<String> expand = folder(m, "expand", p);
        Optional<String> contract = folder(m, "contract", p);
        if (m.get("expand") == null && m.get("contract") == null) {
            error(m.location(), p, "needs expand, contract or both: folders of Flyway migrations (V<version>__<description>.sql) "
                    + "relative to this file, such as {expand: db/expand, contract: db/contract}");
        }
        expand.filter(e -> e.equals(contract.orElse(null))).ifPresent(e -> error(m.get("contract").location(), p + ".contract",
                "is the same folder as expand; expand and contract migrations need folders of their own"));
        Duration lock = duration(m.get("lockTimeout"), p + ".lockTimeout", DatabaseSpec.DEFAULT_LOCK_TIMEOUT, Duration.ofMillis(10), Duration.ofMinutes(1));
        Duration statement = duration(m.get("statementTimeout"), p + ".statementTimeout", DatabaseSpec.DEFAULT_STATEMENT_TIMEOUT,
                Duration.ofSeconds(1), Duration.ofHours(24));
        List<DatabaseSpec.Allowance> allow = allowances(m.get("allow"), p + ".allow");
        return errors.size() > before ? null
                : new DatabaseSpec(name, url, passwordEnv, expand, contract, lock, statement, allow, m.location());
    }

    private Optional<String> jdbcUrl(SpecNode node, String path, String url) {
        if (!url.startsWith("jdbc:postgresql://") || url.length() > 2048) {
            error(node.location(), path, "must be a PostgreSQL JDBC URL such as jdbc:postgresql://db.internal:5432/shop?user=shop");
            return Optional.empty();
        }
        int q = url.indexOf('?');
        String query = q < 0 ? "" : url.substring(q + 1).toLowerCase(Locale.ROOT);
        for (String param : query.split("&")) {
            if (param.startsWith("password=") || param.startsWith("sslpassword=")) {
                error(node.location(), path, "holds a password, and a release file is kept in the journal for every viewer to read: "
                        + "take it out and name the environment variable that holds it in passwordEnv");
                return Optional.empty();
            }
        }
        if (url.substring("jdbc:postgresql://".length()).matches("[^/?]*@.*")) {
            error(node.location(), path, "has user@host credentials, which the PostgreSQL driver does not read: write the user as ?user=NAME "
                    + "and the password in the environment variable passwordEnv names");
            return Optional.empty();
        }
        return Optional.of(url);
    }

    private Optional<String> folder(MapNode m, String key, String p) {
        return optionalText(m, key, p + "." + key).flatMap(f -> {
            if (f.contains("\\") || f.contains("\0") || f.startsWith("classpath:") || f.startsWith("filesystem:")) {
                error(m.get(key).location(), p + "." + key, "must be a folder relative to this release file, such as db/" + key);
                return Optional.empty();
            }
            return Optional.of(f.endsWith("/") && f.length() > 1 ? f.substring(0, f.length() - 1) : f);
        });
    }

    private List<DatabaseSpec.Allowance> allowances(SpecNode node, String path) {
        List<DatabaseSpec.Allowance> out = new ArrayList<>();
        if (node == null) {
            return out;
        }
        if (!(node instanceof ListNode list)) {
            error(node.location(), path, "must be a list of findings the release accepts, each {rule, file, reason} (and optionally line); got "
                    + node.describe());
            return out;
        }
        Set<String> ids = new LinkedHashSet<>();
        for (MigrationRule r : MigrationRule.values()) {
            ids.add(r.id());
        }
        for (int i = 0; i < list.items().size(); i++) {
            String p = path + "[" + i + "]";
            MapNode m = map(list.items().get(i), p, "a finding the release accepts: {rule: require-concurrent-index-creation, "
                    + "file: db/expand/V5__index.sql, reason: ...}");
            if (m == null) {
                continue;
            }
            known(m, p, ReleaseFields.ALLOW);
            Optional<MigrationRule> rule = requiredText(m, "rule", p).flatMap(r -> {
                Optional<MigrationRule> found = MigrationRule.byId(r);
                if (found.isEmpty()) {
                    String hint = Suggestions.closest(r, ids).map(x -> "did you mean '" + x + "'?").orElse("the rules are " + String.join(", ", ids));
                    error(m.get("rule").location(), p + ".rule", "no rule '" + SpecNode.abbreviate(r) + "'; " + hint);
                }
                return found;
            });
            Optional<String> file = requiredText(m, "file", p);
            SpecNode lineNode = m.get("line");
            OptionalInt line = lineNode == null ? OptionalInt.empty()
                    : OptionalInt.of(integer(lineNode, p + ".line", 1, 1, 1_000_000));
            Optional<String> reason = requiredText(m, "reason", p);
            reason.filter(r -> r.strip().length() < 10).ifPresent(r -> error(m.get("reason").location(), p + ".reason",
                    "is too short to tell the next person why: say why this finding is safe here (it is journaled with the release)"));
            if (rule.isPresent() && file.isPresent() && reason.isPresent() && reason.get().strip().length() >= 10) {
                out.add(new DatabaseSpec.Allowance(rule.get(), file.get(), line, reason.get().strip(), m.location()));
            }
        }
        return out;
    }

    // --- typed readers; each reports its own error and returns a usable default ----------------------

    MapNode map(SpecNode node, String path, String expected) {
        if (node instanceof MapNode m) {
            return m;
        }
        error(node.location(), path, "must be " + expected + "; got " + node.describe());
        return null;
    }

    void known(MapNode m, String path, Set<String> fields) {
        fieldChecks.known(m, path, fields);
    }

    Optional<String> text(SpecNode node, String path) {
        if (node instanceof Scalar s && s.kind() != Scalar.Kind.NULL) {
            if (s.text().isBlank()) {
                error(node.location(), path, "is empty");
                return Optional.empty();
            }
            return Optional.of(s.text());
        }
        error(node.location(), path, "must be text; got " + node.describe());
        return Optional.empty();
    }

    Optional<String> requiredText(MapNode m, String key, String parentPath) {
        SpecNode n = m.get(key);
        if (n == null) {
            error(m.location(), join(parentPath, key), "is required");
            return Optional.empty();
        }
        return text(n, join(parentPath, key));
    }

    Optional<String> optionalText(MapNode m, String key, String path) {
        SpecNode n = m.get(key);
        return n == null ? Optional.empty() : text(n, path);
    }

    Optional<String> matches(SpecNode node, String path, String value, Pattern p, String expected) {
        if (p.matcher(value).matches()) {
            return Optional.of(value);
        }
        error(node.location(), path, "\"" + SpecNode.abbreviate(value) + "\" is not valid: use " + expected);
        return Optional.empty();
    }

    private List<String> names(SpecNode node, String path) {
        List<String> out = new ArrayList<>();
        if (node == null) {
            return out;
        }
        if (!(node instanceof ListNode list)) {
            error(node.location(), path, "must be a list of service names such as [inventory]; got " + node.describe());
            return out;
        }
        for (int i = 0; i < list.items().size(); i++) {
            SpecNode item = list.items().get(i);
            String ip = path + "[" + i + "]";
            text(item, ip).flatMap(n -> matches(item, ip, n, NAME, "a service name")).ifPresent(out::add);
        }
        return out;
    }

    int integer(SpecNode node, String path, int dflt, int min, int max) {
        if (node == null) {
            return dflt;
        }
        if (node instanceof Scalar s && s.kind() == Scalar.Kind.INT) {
            try {
                long v = Long.parseLong(s.text().replace("_", ""));
                if (v >= min && v <= max) {
                    return (int) v;
                }
            } catch (NumberFormatException ignored) {
                // out of long range: reported below
            }
            error(node.location(), path, "must be between " + min + " and " + max + "; got " + s.text());
            return dflt;
        }
        error(node.location(), path, "must be a whole number from " + min + " to " + max + "; got " + node.describe());
        return dflt;
    }

    boolean bool(SpecNode node, String path, boolean dflt) {
        if (node == null) {
            return dflt;
        }
        if (node instanceof Scalar s && s.kind() == Scalar.Kind.BOOL) {
            return Boolean.parseBoolean(s.text().toLowerCase(Locale.ROOT));
        }
        error(node.location(), path, "must be true or false; got " + node.describe());
        return dflt;
    }

    Duration duration(SpecNode node, String path, Duration dflt, Duration min, Duration max) {
        if (node == null) {
            return dflt;
        }
        Optional<Duration> d = node instanceof Scalar s && s.kind() == Scalar.Kind.STRING ? Durations.parse(s.text()) : Optional.empty();
        if (d.isEmpty()) {
            String got = node.describe();
            String hint = node instanceof Scalar s && (s.kind() == Scalar.Kind.INT || s.kind() == Scalar.Kind.FLOAT)
                    ? " (a bare number has no unit: write " + s.text() + "s or " + s.text() + "ms)" : "";
            error(node.location(), path, "must be a duration such as 500ms, 30s or 5m; got " + got + hint);
            return dflt;
        }
        if (d.get().compareTo(min) < 0 || d.get().compareTo(max) > 0) {
            error(node.location(), path, "must be between " + Durations.format(min) + " and " + Durations.format(max) + "; got " + Durations.format(d.get()));
            return dflt;
        }
        return d.get();
    }

    Optional<Double> percentage(SpecNode node, String path) {
        if (node == null) {
            return Optional.empty();
        }
        Optional<Double> v = node instanceof Scalar s && s.kind() == Scalar.Kind.STRING ? Percentages.parse(s.text()) : Optional.empty();
        if (v.isEmpty()) {
            String hint = node instanceof Scalar s && (s.kind() == Scalar.Kind.INT || s.kind() == Scalar.Kind.FLOAT)
                    ? " (write " + s.text() + "% for a percentage)" : "";
            error(node.location(), path, "must be a percentage such as 1% or 0.5%; got " + node.describe() + hint);
            return Optional.empty();
        }
        if (v.get() > 1) {
            error(node.location(), path, "must be between 0% and 100%; got " + Percentages.format(v.get()));
            return Optional.empty();
        }
        return v;
    }

    void templates(SpecNode node, String path, String text) {
        for (String problem : Templates.problems(text)) {
            error(node.location(), path, problem);
        }
    }

    void error(Location at, String path, String message) {
        errors.add(new SpecError(at, path, message));
    }

    int errorCount() {
        return errors.size();
    }

    void error(SpecError e) {
        errors.add(e);
    }

    static String join(String path, String key) {
        return FieldChecks.join(path, key);
    }
}
