package io.glidepath.router.state;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.glidepath.route.InvalidRouteException;
import io.glidepath.route.RouteJson;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.RouteState;
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
import java.util.List;

/**
 * The router's routing table on disk. Written atomically on every change (temp file, fsync, rename),
 * with the previous good file kept as {@code routes.json.bak}; there is always one complete file under
 * the state name, whatever moment a crash picks.
 */
public final class StateFile {
    public static final String NAME = "routes.json";
    public static final String BACKUP = "routes.json.bak";
    private static final int FORMAT = 1;

    /** What the file holds: the last generation handed out and the routes. */
    public record Contents(long generation, List<RouteState> routes) {
        public static final Contents EMPTY = new Contents(0, List.of());
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
            root = RouteJson.MAPPER.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw corrupt("it is not valid JSON (" + e.getOriginalMessage() + ")");
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
        return new Contents(maxGeneration, routes);
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
