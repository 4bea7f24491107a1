package io.glidepath.router.state;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.InvalidRouteException;
import io.glidepath.route.RouteJson;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.RouteState;
import io.glidepath.router.endpoint.Endpoint.Health;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The router's routing table on disk. Written atomically on every change (temp file, fsync, rename),
 * with the previous good file kept as {@code routes.json.bak}; there is always one complete file under
 * the state name, whatever moment a crash picks.
 *
 * <p>Beside the routes the file keeps each endpoint's health as last known (HEALTHY or UNHEALTHY, by
 * route and address; as HAProxy's {@code server-state-file} does), rewritten when a health check flips
 * one, so that a restarted router serves healthy endpoints at once. The health is advisory: a file
 * without it (written before it existed) loads with every endpoint unknown, and an entry that cannot
 * be read is left out rather than stopping the start. It sits at the top level, beside the routes, so
 * that a router which does not know it reads the file as before.
 */
public final class StateFile {
    public static final String NAME = "routes.json";
    public static final String BACKUP = "routes.json.bak";
    private static final int FORMAT = 1;

    /**
     * What the file holds: the last generation handed out, the routes and, by route name and endpoint
     * address, each endpoint's last known health (only HEALTHY and UNHEALTHY; an endpoint not named
     * is unknown).
     */
    public record Contents(long generation, List<RouteState> routes, Map<String, Map<EndpointAddress, Health>> health) {
        public static final Contents EMPTY = new Contents(0, List.of());

        public Contents {
            routes = List.copyOf(routes);
            Map<String, Map<EndpointAddress, Health>> copy = new TreeMap<>();
            health.forEach((route, byAddress) -> {
                Map<EndpointAddress, Health> known = new LinkedHashMap<>();
                byAddress.forEach((a, h) -> {
                    if (h != Health.PENDING) {
                        known.put(a, h);
                    }
                });
                if (!known.isEmpty()) {
                    copy.put(route, Map.copyOf(known));
                }
            });
            health = Map.copyOf(copy);
        }

        /** Routes only: every endpoint's health unknown. */
        public Contents(long generation, List<RouteState> routes) {
            this(generation, routes, Map.of());
        }

        /** The last known health of {@code address} in route {@code route}, if the file knows it. */
        public Optional<Health> health(String route, EndpointAddress address) {
            return Optional.ofNullable(health.getOrDefault(route, Map.of()).get(address));
        }
    }

    private final Path dir;
    private final Path file;
    private final Path backup;

    public StateFile(Path dir) {
        this.dir = dir;
        this.file = dir.resolve(NAME);
        this.backup = dir.resolve(BACKUP);
    }

    public Path path() {
        return file;
    }

    public Path backupPath() {
        return backup;
    }

    /** Reads the state; a missing file is an empty table, a damaged one stops the start. */
    public Contents load() throws CorruptStateException, IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            if (Files.exists(backup)) {
                throw corrupt("it is missing but its backup exists");
            }
            return Contents.EMPTY;
        }
        JsonNode root;
        try {
            root = RouteJson.readTree(bytes);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            throw corrupt("it is not valid JSON" + where + " (" + e.getOriginalMessage() + ")");
        }
        if (root == null || !root.isObject() || root.path("format").asInt() != FORMAT || !root.path("routes").isArray()
                || !root.path("generation").canConvertToLong()) {
            throw corrupt("it does not hold a routing table of format " + FORMAT);
        }
        List<RouteState> routes = new ArrayList<>();
        long maxGeneration = root.get("generation").asLong();
        for (JsonNode r : root.get("routes")) {
            String name = r.path("name").asText("");
            long generation = r.path("generation").asLong(-1);
            String previewKey = r.path("previewKey").asText("");
            if (generation < 0 || previewKey.length() < 16) {
                throw corrupt("route '" + name + "' lacks its generation or preview key");
            }
            try {
                RouteSpec spec = RouteJson.readSpec(name, r);
                routes.add(new RouteState(spec, generation, previewKey));
                maxGeneration = Math.max(maxGeneration, generation);
            } catch (InvalidRouteException e) {
                throw corrupt("route '" + name + "' is invalid: " + e.getMessage());
            }
        }
        return new Contents(maxGeneration, routes, readHealth(root.path("health")));
    }

    /** {"route": {"host:port": "healthy" | "unhealthy"}}; anything else is left out (health is advisory). */
    private static Map<String, Map<EndpointAddress, Health>> readHealth(JsonNode node) {
        Map<String, Map<EndpointAddress, Health>> health = new TreeMap<>();
        if (!node.isObject()) {
            return health;
        }
        for (Iterator<Map.Entry<String, JsonNode>> routes = node.fields(); routes.hasNext(); ) {
            Map.Entry<String, JsonNode> route = routes.next();
            if (!route.getValue().isObject()) {
                continue;
            }
            Map<EndpointAddress, Health> byAddress = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> es = route.getValue().fields(); es.hasNext(); ) {
                Map.Entry<String, JsonNode> e = es.next();
                Optional<EndpointAddress> address = EndpointAddress.parse(e.getKey());
                Health h = switch (e.getValue().asText("")) {
                    case "healthy" -> Health.HEALTHY;
                    case "unhealthy" -> Health.UNHEALTHY;
                    default -> null;
                };
                if (address.isPresent() && h != null) {
                    byAddress.put(address.get(), h);
                }
            }
            health.put(route.getKey(), byAddress);
        }
        return health;
    }

    private CorruptStateException corrupt(String why) {
        String hint = Files.exists(backup)
                ? "the previous good state is in " + backup + ": inspect both, then copy the backup over " + file + " to restore it"
                : "there is no backup; fix or remove " + file + " (removing it starts the router with no routes)";
        return new CorruptStateException("state file " + file + " cannot be used: " + why + "; " + hint);
    }

    /** Writes the state so that a crash at any point leaves the old or the new file, never a torn one. */
    public void write(Contents contents) throws IOException {
        Files.createDirectories(dir);
        ObjectNode root = RouteJson.MAPPER.createObjectNode();
        root.put("format", FORMAT);
        root.put("generation", contents.generation());
        ArrayNode routes = root.putArray("routes");
        contents.routes().forEach(r -> routes.add(RouteJson.write(r)));
        if (!contents.health().isEmpty()) {
            ObjectNode health = root.putObject("health");
            new TreeMap<>(contents.health()).forEach((route, byAddress) -> {
                ObjectNode r = health.putObject(route);
                byAddress.entrySet().stream().sorted(Map.Entry.comparingByKey(java.util.Comparator.comparing(EndpointAddress::toString)))
                        .forEach(e -> r.put(e.getKey().toString(), e.getValue() == Health.HEALTHY ? "healthy" : "unhealthy"));
            });
        }
        byte[] bytes = RouteJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);

        Path tmp = dir.resolve(NAME + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        if (Files.exists(file)) {
            // keep the current good file as the backup: hard link then rename, both atomic
            Path link = dir.resolve(BACKUP + ".tmp");
            Files.deleteIfExists(link);
            Files.createLink(link, file);
            move(link, backup);
        }
        move(tmp, file);
        fsyncDirectory();
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private void fsyncDirectory() {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // some file systems cannot open a directory for fsync; the rename is still atomic
        }
    }
}
