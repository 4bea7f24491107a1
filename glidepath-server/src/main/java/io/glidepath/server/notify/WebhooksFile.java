package io.glidepath.server.notify;

import io.glidepath.spec.InvalidSpecException;
import io.glidepath.spec.FieldChecks;
import io.glidepath.spec.Location;
import io.glidepath.spec.ReleaseLimits;
import io.glidepath.spec.SourceText;
import io.glidepath.spec.SpecError;
import io.glidepath.spec.SpecNode;
import io.glidepath.spec.SpecNode.Field;
import io.glidepath.spec.SpecNode.ListNode;
import io.glidepath.spec.SpecNode.MapNode;
import io.glidepath.spec.SpecNode.Scalar;
import io.glidepath.spec.Suggestions;
import io.glidepath.spec.YamlSource;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a webhooks file (docs/server.md): YAML with a {@code webhooks} list, each entry with
 * {@code name}, {@code url}, {@code secretFile} (relative to this file's directory) and optionally
 * {@code events} and {@code services}. Like release files, every error is reported at once with
 * file:line:column, the field's path and what to do; a file with any error yields no webhook. The
 * keys are read here and never appear in a message.
 */
public final class WebhooksFile {
    public static final Set<String> TOP = Set.of("webhooks");
    public static final Set<String> WEBHOOK = Set.of("name", "url", "secretFile", "events", "services");
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    /** A release file's service name (ReleaseReader's rule). */
    static final Pattern SERVICE = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

    private final Path file;
    private final List<SpecError> errors = new ArrayList<>();
    private final FieldChecks checks = new FieldChecks(errors);

    private WebhooksFile(Path file) {
        this.file = file;
    }

    /** The webhooks in {@code file}; every error in it at once, or an IOException when it cannot be read at all. */
    public static List<Webhook> read(Path file) throws IOException {
        String text;
        try {
            // the release files' limits: size, characters (a binary file), then nesting and aliases when parsed
            text = SourceText.read(file, ReleaseLimits.STANDARD);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "no such webhooks file");
        } catch (InvalidSpecException e) {
            throw new InvalidWebhooksException(file, e.errors());
        }
        WebhooksFile reader = new WebhooksFile(file);
        List<Webhook> hooks = reader.webhooks(text);
        if (!reader.errors.isEmpty()) {
            List<SpecError> sorted = new ArrayList<>(reader.errors);
            sorted.sort(Comparator.comparingInt((SpecError e) -> e.location().line()).thenComparingInt(e -> e.location().column()));
            throw new InvalidWebhooksException(file, sorted);
        }
        return hooks;
    }

    private List<Webhook> webhooks(String text) {
        String label = file.toString();
        if (text.lines().allMatch(l -> l.isBlank() || l.strip().startsWith("#") || l.strip().equals("---"))) {
            error(new Location(label, 1, 1), "", "the file is empty; it needs a webhooks list, such as webhooks: [{name: team, url: https://..., secretFile: team.secret}]");
            return List.of();
        }
        SpecNode root;
        try {
            root = YamlSource.parse(label, text);
        } catch (InvalidSpecException e) {
            errors.addAll(e.errors());
            return List.of();
        }
        if (!(root instanceof MapNode top)) {
            error(root.location(), "", "must be a mapping with a 'webhooks' list; got " + root.describe());
            return List.of();
        }
        known(top, "", TOP);
        SpecNode list = top.get("webhooks");
        if (list == null) {
            error(top.location(), "webhooks", "is required: the list of webhooks, each with name, url and secretFile");
            return List.of();
        }
        if (!(list instanceof ListNode items)) {
            error(list.location(), "webhooks", "must be a list of webhooks, each with name, url and secretFile; got " + list.describe());
            return List.of();
        }
        List<Webhook> hooks = new ArrayList<>();
        Map<String, Location> names = new HashMap<>();
        for (int i = 0; i < items.items().size(); i++) {
            String path = "webhooks[" + i + "]";
            SpecNode item = items.items().get(i);
            webhook(item, path).ifPresent(w -> {
                Location first = names.putIfAbsent(w.name(), item.location());
                if (first != null) {
                    error(((MapNode) item).fields().get("name").keyLocation(), path + ".name", "webhook '" + w.name() + "' appears twice (first at line "
                            + first.line() + "); give each its own name");
                } else {
                    hooks.add(w);
                }
            });
        }
        return hooks;
    }

    private Optional<Webhook> webhook(SpecNode node, String path) {
        if (!(node instanceof MapNode m)) {
            error(node.location(), path, "must be a webhook: a mapping with name, url and secretFile; got " + node.describe());
            return Optional.empty();
        }
        int before = errors.size();
        known(m, path, WEBHOOK);
        Optional<String> name = required(m, "name", path).flatMap(n -> {
            if (NAME.matcher(n).matches()) {
                return Optional.of(n);
            }
            error(m.get("name").location(), path + ".name", "\"" + n + "\" is not valid: use 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit");
            return Optional.empty();
        });
        Optional<URI> url = required(m, "url", path).flatMap(u -> url(m.get("url"), path + ".url", u));
        Optional<SigningKey> key = required(m, "secretFile", path).flatMap(f -> key(m.get("secretFile"), path + ".secretFile", f));
        Set<WebhookEvent> events = events(m.get("events"), path + ".events");
        Set<String> services = services(m.get("services"), path + ".services");
        if (errors.size() > before || name.isEmpty() || url.isEmpty() || key.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Webhook(name.get(), url.get(), key.get(), events, services));
    }

    /** Never echoes the URL: a Slack webhook URL is itself a secret. */
    private Optional<URI> url(SpecNode node, String path, String text) {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            error(node.location(), path, "is not a valid URL (" + e.getReason() + " at character " + (e.getIndex() + 1)
                    + "); write it as http://host:port/path or https://host/path");
            return Optional.empty();
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase();
        if (!scheme.equals("http") && !scheme.equals("https")) {
            error(node.location(), path, "must be an http:// or https:// URL; got " + (scheme.isEmpty() ? "no scheme" : "a " + scheme + ": URL"));
            return Optional.empty();
        }
        if (uri.getHost() == null) {
            error(node.location(), path, "has no host; write it as " + scheme + "://host:port/path");
            return Optional.empty();
        }
        return Optional.of(uri);
    }

    /** The key is the file's content without surrounding whitespace (a trailing newline is fine). */
    private Optional<SigningKey> key(SpecNode node, String path, String name) {
        Path dir = file.toAbsolutePath().getParent();
        Path secret = dir.resolve(name).normalize();
        String hint = "; put the webhook's HMAC key in it, for example: head -c 32 /dev/urandom | base64 > " + secret;
        if (!Files.exists(secret)) {
            error(node.location(), path, "no such file: " + secret + (Path.of(name).isAbsolute() ? "" : " (relative to " + dir + ")") + hint);
            return Optional.empty();
        }
        if (Files.isDirectory(secret)) {
            error(node.location(), path, secret + " is a directory, not a file" + hint);
            return Optional.empty();
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(secret);
        } catch (IOException e) {
            error(node.location(), path, "cannot read " + secret + " (" + e.getClass().getSimpleName() + "); let the server's user read it");
            return Optional.empty();
        }
        byte[] key = strip(bytes);
        if (key.length == 0) {
            error(node.location(), path, secret + " is empty" + hint);
            return Optional.empty();
        }
        return Optional.of(new SigningKey(key));
    }

    private Set<WebhookEvent> events(SpecNode node, String path) {
        if (node == null) {
            return EnumSet.allOf(WebhookEvent.class);
        }
        Set<WebhookEvent> out = EnumSet.noneOf(WebhookEvent.class);
        for (Item item : items(node, path, "events such as [promoted, rolledBack, failed]")) {
            Optional<WebhookEvent> e = WebhookEvent.byName(item.text());
            if (e.isPresent()) {
                out.add(e.get());
            } else {
                String hint = Suggestions.closest(item.text(), WebhookEvent.names()).map(s -> "did you mean \"" + s + "\"?")
                        .orElse("events are " + String.join(", ", WebhookEvent.names()));
                error(item.location(), item.path(), "unknown event \"" + item.text() + "\"; " + hint);
            }
        }
        return out;
    }

    private Set<String> services(SpecNode node, String path) {
        if (node == null) {
            return Set.of();
        }
        Set<String> out = new LinkedHashSet<>();
        for (Item item : items(node, path, "service names such as [catalog, checkout]")) {
            if (SERVICE.matcher(item.text()).matches()) {
                out.add(item.text());
            } else {
                error(item.location(), item.path(), "\"" + item.text() + "\" is not a service name: use 1-63 characters a-z, 0-9 and '-', as in release files");
            }
        }
        return out;
    }

    /** One name of a list, located. */
    private record Item(String path, String text, Location location) {
    }

    /** The names of a non-empty list; errors for anything else (leaving the field out means "all"). */
    private List<Item> items(SpecNode node, String path, String expected) {
        List<Item> out = new ArrayList<>();
        if (!(node instanceof ListNode list)) {
            error(node.location(), path, "must be a list of " + expected + "; got " + node.describe());
            return out;
        }
        if (list.items().isEmpty()) {
            error(node.location(), path, "is empty, so nothing would be sent; leave the field out to mean all");
            return out;
        }
        for (int i = 0; i < list.items().size(); i++) {
            SpecNode item = list.items().get(i);
            String p = path + "[" + i + "]";
            if (item instanceof Scalar s && s.kind() == Scalar.Kind.STRING && !s.text().isBlank()) {
                out.add(new Item(p, s.text(), s.location()));
            } else {
                error(item.location(), p, "must be a name; got " + item.describe());
            }
        }
        return out;
    }

    private Optional<String> required(MapNode m, String key, String path) {
        return checks.required(m, key, path);
    }

    private void known(MapNode m, String path, Set<String> fields) {
        checks.known(m, path, fields);
    }

    private static byte[] strip(byte[] b) {
        int from = 0;
        int to = b.length;
        while (from < to && Character.isWhitespace(b[from])) {
            from++;
        }
        while (to > from && Character.isWhitespace(b[to - 1])) {
            to--;
        }
        return Arrays.copyOfRange(b, from, to);
    }

    private void error(Location at, String path, String message) {
        errors.add(new SpecError(at, path, message));
    }
}
