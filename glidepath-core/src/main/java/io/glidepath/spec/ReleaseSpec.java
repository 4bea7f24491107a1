package io.glidepath.spec;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A release: one or more services to ship together, in waves by their dependencies (at most
 * {@code maxParallel} services of a wave at once; 0 means no limit), with {@code verify} checks
 * run through the router after each wave, the {@code databases} its services migrate, and its
 * {@code fleets} (whose customers are among {@code services}, one deployment each). {@code name} is empty when the file gave none (the
 * server makes one up). Read and checked by {@link ReleaseReader}.
 */
public record ReleaseSpec(Optional<String> name, List<ServiceSpec> services, int maxParallel, List<HttpCheck> verify, List<DatabaseSpec> databases,
                          List<FleetSpec> fleets, Location location) {

    public ReleaseSpec {
        services = List.copyOf(services);
        verify = List.copyOf(verify);
        databases = List.copyOf(databases);
        fleets = List.copyOf(fleets);
    }

    public ReleaseSpec(Optional<String> name, List<ServiceSpec> services, int maxParallel, List<HttpCheck> verify, List<DatabaseSpec> databases,
                       Location location) {
        this(name, services, maxParallel, verify, databases, List.of(), location);
    }

    public Optional<FleetSpec> fleet(String service) {
        return fleets.stream().filter(f -> f.service().equals(service)).findFirst();
    }

    public Optional<DatabaseSpec> database(String databaseName) {
        return databases.stream().filter(d -> d.name().equals(databaseName)).findFirst();
    }

    /**
     * The databases whose expand migrations run before each wave: a database goes with the first wave
     * holding a service that uses it (its contract waits for the whole release).
     */
    public List<List<DatabaseSpec>> expandsPerWave() {
        List<List<DatabaseSpec>> out = new ArrayList<>();
        Set<String> done = new HashSet<>();
        for (List<ServiceSpec> wave : waves()) {
            List<DatabaseSpec> here = new ArrayList<>();
            for (ServiceSpec s : wave) {
                s.database().filter(done::add).flatMap(this::database).ifPresent(here::add);
            }
            out.add(here);
        }
        return out;
    }

    /** The waves' services: each service after every service it depends on, a fleet's rings one after another; file order within a wave. */
    public List<List<ServiceSpec>> waves() {
        return stages().stream().map(Wave::services).toList();
    }

    /**
     * The waves with their settings. The dependency waves come first; a wave holding a fleet's
     * customers is split by ring: its other services go with the first ring, each later ring is a
     * wave of its own (rings of two fleets in one wave go side by side, first with first).
     */
    public List<Wave> stages() {
        Map<String, ServiceSpec> byName = new HashMap<>();
        services.forEach(s -> byName.put(s.name(), s));
        List<Wave> out = new ArrayList<>();
        for (List<String> names : DependencyGraph.of(services).waves()) {
            List<ServiceSpec> wave = names.stream().map(byName::get).toList();
            int rings = wave.stream().flatMap(s -> s.fleetMember().stream()).mapToInt(m -> m.ring() + 1).max().orElse(0);
            if (rings == 0) {
                out.add(new Wave(wave, Optional.empty(), maxParallel, false, Duration.ZERO));
                continue;
            }
            for (int r = 0; r < rings; r++) {
                int ring = r;
                List<ServiceSpec> here = wave.stream().filter(s -> s.fleetMember().map(m -> m.ring() == ring).orElse(ring == 0)).toList();
                List<FleetSpec.Ring> settings = here.stream().flatMap(s -> s.fleetMember().stream()).map(FleetMember::service).distinct()
                        .map(f -> fleet(f).orElseThrow().rings().get(ring)).toList();
                String label = settings.stream().map(FleetSpec.Ring::name).distinct().collect(Collectors.joining(" + "));
                int parallel = here.stream().flatMap(s -> s.fleetMember().stream()).map(FleetMember::service).distinct()
                        .mapToInt(f -> {
                            FleetSpec fleet = fleet(f).orElseThrow();
                            int own = fleet.rings().get(ring).maxParallel();
                            return own > 0 ? own : fleet.maxParallel() > 0 ? fleet.maxParallel() : maxParallel;
                        }).min().orElse(maxParallel);
                boolean gate = settings.stream().anyMatch(FleetSpec.Ring::gate);
                Duration bake = settings.stream().map(FleetSpec.Ring::bakeAfter).max(Comparator.naturalOrder()).orElse(Duration.ZERO);
                out.add(new Wave(here, Optional.of(label), parallel, gate, r + 1 < rings ? bake : Duration.ZERO));
            }
        }
        return out;
    }

    /** The services (deployments: a fleet's customers each) whose file says {@code strategy: auto}. */
    public List<String> autoServices() {
        return services.stream().filter(s -> s.strategy() == Strategy.AUTO).map(ServiceSpec::name).toList();
    }

    /**
     * The release as it runs: each {@code strategy: auto} service with what was chosen for it (by
     * deployment name). Throws when one of them has no choice: the engine never guesses a strategy.
     */
    public ReleaseSpec withChosenStrategies(Map<String, ChosenStrategy> chosen) {
        List<String> missing = autoServices().stream().filter(n -> !chosen.containsKey(n)).toList();
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("strategy: auto is not resolved for " + String.join(", ", missing)
                    + ": the server chooses it when the release is submitted");
        }
        if (chosen.isEmpty()) {
            return this;
        }
        List<ServiceSpec> out = services.stream().map(s -> s.strategy() == Strategy.AUTO ? chosen.get(s.name()).applyTo(s) : s).toList();
        return new ReleaseSpec(name, out, maxParallel, verify, databases, fleets, location);
    }

    public Optional<ServiceSpec> service(String serviceName) {
        return services.stream().filter(s -> s.name().equals(serviceName)).findFirst();
    }
}
