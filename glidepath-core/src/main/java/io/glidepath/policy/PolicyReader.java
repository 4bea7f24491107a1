package io.glidepath.policy;

import io.glidepath.risk.RiskLevel;
import io.glidepath.spec.Durations;
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
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a policy file (docs/policies.md) with the release files' located YAML reader: every error
 * at once with file:line:column, the field's path and what to do ("did you mean" for unknown
 * fields); a file with any error yields no policy.
 */
public final class PolicyReader {
    public static final Set<String> TOP = Set.of("windows", "approvals", "evidence", "platform", "risk");
    public static final Set<String> RISK = Set.of("zone");
    public static final Set<String> WINDOW = Set.of("name", "services", "from", "to", "zone");
    public static final Set<String> APPROVAL = Set.of("name", "services", "migration", "risk", "timeout");
    public static final Set<String> EVIDENCE = Set.of("name", "services", "checksum", "vulnerabilities", "command");
    public static final Set<String> CHECKSUM = Set.of("file", "sha256", "sha256File");
    public static final Set<String> VULNERABILITIES = Set.of("file", "maxSeverity", "format");
    public static final Set<String> COMMAND = Set.of("run", "timeout");
    public static final Set<String> PLATFORM = Set.of("executables", "workdirs");
    static final Duration DEFAULT_APPROVAL_TIMEOUT = Duration.ofHours(24);
    static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofMinutes(5);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    private static final Pattern SERVICE = Pattern.compile("\\*|[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final Pattern WHEN = Pattern.compile("(?:([A-Za-z]+)\\s+)?(\\d{1,2}):(\\d{2})");

    private final String label;
    private final List<SpecError> errors = new ArrayList<>();
    private final FieldChecks checks = new FieldChecks(errors);

    private PolicyReader(String label) {
        this.label = label;
    }

    /** The policy in {@code file}: every error at once, or an IOException when it cannot be read at all. */
    public static Policy read(Path file) throws IOException, InvalidPolicyException {
        String text;
        try {
            text = SourceText.read(file, ReleaseLimits.STANDARD);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "no such policy file");
        } catch (InvalidSpecException e) {
            throw new InvalidPolicyException(file.toString(), e.errors());
        }
        return read(file.toString(), text);
    }

    public static Policy read(String label, String text) throws InvalidPolicyException {
        PolicyReader r = new PolicyReader(label);
        Policy p = r.policy(text);
        if (!r.errors.isEmpty()) {
            List<SpecError> sorted = new ArrayList<>(r.errors);
            sorted.sort(Comparator.comparingInt((SpecError e) -> e.location().line()).thenComparingInt(e -> e.location().column()));
            throw new InvalidPolicyException(label, sorted);
        }
        return p;
    }

    private Policy policy(String text) {
        if (text.lines().allMatch(l -> l.isBlank() || l.strip().startsWith("#") || l.strip().equals("---"))) {
            return new Policy(label, List.of(), List.of(), List.of(), Optional.empty()); // an empty file: no rule (a policy being written)
        }
        SpecNode root;
        try {
            root = YamlSource.parse(label, text);
        } catch (InvalidSpecException e) {
            errors.addAll(e.errors());
            return Policy.none();
        }
        if (!(root instanceof MapNode top)) {
            error(root.location(), "", "must be a mapping with windows, approvals, evidence, platform and risk; got " + root.describe());
            return Policy.none();
        }
        known(top, "", TOP);
        List<DeployWindow> windows = list(top, "windows", this::window);
        List<ApprovalRule> approvals = list(top, "approvals", this::approval);
        List<EvidenceRule> evidence = list(top, "evidence", this::evidence);
        Optional<PlatformLimits> platform = Optional.ofNullable(top.get("platform")).flatMap(this::platform);
        Optional<ZoneId> zone = Optional.ofNullable(top.get("risk")).flatMap(this::risk);
        unique(top, "windows", windows.stream().map(DeployWindow::name).toList());
        unique(top, "approvals", approvals.stream().map(ApprovalRule::name).toList());
        unique(top, "evidence", evidence.stream().map(EvidenceRule::name).toList());
        return new Policy(label, windows, approvals, evidence, platform, zone);
    }

    /** The risk section: the team's time zone, in which the risk score reads hours and days. */
    private Optional<ZoneId> risk(SpecNode n) {
        if (!(n instanceof MapNode m)) {
            error(n.location(), "risk", "must be a mapping such as {zone: Europe/Berlin}; got " + n.describe());
            return Optional.empty();
        }
        known(m, "risk", RISK);
        return m.get("zone") == null ? Optional.empty() : required(m, "zone", "risk").flatMap(z -> zone(m.get("zone"), "risk.zone", z));
    }

    private Optional<ZoneId> zone(SpecNode node, String path, String z) {
        try {
            return Optional.of(ZoneId.of(z));
        } catch (DateTimeException e) {
            List<String> ids = ZoneId.getAvailableZoneIds().stream().sorted().toList();
            error(node.location(), path, "\"" + z + "\" is not a time zone; " + Suggestions.closest(z, ids)
                    .map(s -> "did you mean \"" + s + "\"?").orElse("use a region such as Europe/Berlin or America/New_York (IANA names)"));
            return Optional.empty();
        }
    }

    private interface ItemReader<T> {
        Optional<T> read(MapNode m, String path);
    }

    private <T> List<T> list(MapNode top, String key, ItemReader<T> reader) {
        SpecNode n = top.get(key);
        List<T> out = new ArrayList<>();
        if (n == null) {
            return out;
        }
        if (!(n instanceof ListNode items)) {
            error(n.location(), key, "must be a list; got " + n.describe());
            return out;
        }
        for (int i = 0; i < items.items().size(); i++) {
            String path = key + "[" + i + "]";
            SpecNode item = items.items().get(i);
            if (item instanceof MapNode m) {
                reader.read(m, path).ifPresent(out::add);
            } else {
                error(item.location(), path, "must be a mapping with a name; got " + item.describe());
            }
        }
        return out;
    }

    private void unique(MapNode top, String key, List<String> names) {
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < names.size(); i++) {
            Integer first = seen.putIfAbsent(names.get(i), i);
            if (first != null) {
                SpecNode item = ((ListNode) top.get(key)).items().get(i);
                error(item.location(), key + "[" + i + "].name", "'" + names.get(i) + "' is used twice (first " + key + "[" + first + "]); give each its own name");
            }
        }
    }

    private Optional<DeployWindow> window(MapNode m, String path) {
        int before = errors.size();
        known(m, path, WINDOW);
        Optional<String> name = name(m, path);
        List<String> services = services(m, path);
        Optional<ZoneId> zone = required(m, "zone", path).flatMap(z -> zone(m.get("zone"), path + ".zone", z));
        Optional<When> from = required(m, "from", path).flatMap(t -> when(m.get("from"), path + ".from", t));
        Optional<When> to = required(m, "to", path).flatMap(t -> when(m.get("to"), path + ".to", t));
        if (from.isPresent() && to.isPresent() && from.get().day().isPresent() != to.get().day().isPresent()) {
            error(m.get("to").location(), path + ".to", "name a day in both from and to (a weekly window, such as Friday 16:00 to Monday 08:00) "
                    + "or in neither (every day, such as 22:00 to 06:00)");
        }
        if (from.isPresent() && to.isPresent() && from.get().equals(to.get())) {
            error(m.get("to").location(), path + ".to", "is the same time as from: the window would never open or never close");
        }
        if (errors.size() > before || name.isEmpty() || zone.isEmpty() || from.isEmpty() || to.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new DeployWindow(name.get(), services, zone.get(), from.get().day(), from.get().time(), to.get().day(), to.get().time(),
                m.location()));
    }

    private record When(Optional<DayOfWeek> day, LocalTime time) {
    }

    private Optional<When> when(SpecNode node, String path, String text) {
        Matcher x = WHEN.matcher(text.strip());
        String hint = "write a day and a time, such as Friday 16:00, or a time alone, such as 22:00 (every day)";
        if (!x.matches()) {
            error(node.location(), path, "\"" + text + "\" is not a time; " + hint);
            return Optional.empty();
        }
        Optional<DayOfWeek> day = Optional.empty();
        if (x.group(1) != null) {
            String d = x.group(1).toUpperCase(Locale.ROOT);
            day = Arrays.stream(DayOfWeek.values()).filter(v -> v.name().equals(d) || v.name().substring(0, 3).equals(d)).findFirst();
            if (day.isEmpty()) {
                List<String> names = Arrays.stream(DayOfWeek.values()).map(v -> v.name().charAt(0) + v.name().substring(1).toLowerCase(Locale.ROOT)).toList();
                error(node.location(), path, "\"" + x.group(1) + "\" is not a day; " + Suggestions.closest(x.group(1), names)
                        .map(s -> "did you mean \"" + s + "\"?").orElse("days are " + String.join(", ", names)));
                return Optional.empty();
            }
        }
        int h = Integer.parseInt(x.group(2));
        int min = Integer.parseInt(x.group(3));
        if (h > 23 || min > 59) {
            error(node.location(), path, "\"" + text + "\" is not a time of day (00:00 to 23:59)");
            return Optional.empty();
        }
        return Optional.of(new When(day, LocalTime.of(h, min)));
    }

    private Optional<ApprovalRule> approval(MapNode m, String path) {
        int before = errors.size();
        known(m, path, APPROVAL);
        Optional<String> name = name(m, path);
        List<String> services = services(m, path);
        boolean migration = false;
        SpecNode mig = m.get("migration");
        if (mig != null) {
            if (mig instanceof Scalar s && s.kind() == Scalar.Kind.BOOL) {
                migration = s.text().equals("true");
            } else {
                error(mig.location(), path + ".migration", "must be true (only releases that migrate a database) or false; got " + mig.describe());
            }
        }
        Optional<RiskLevel> risk = m.get("risk") == null ? Optional.empty() : required(m, "risk", path).flatMap(r -> {
            Optional<RiskLevel> level = RiskLevel.parse(r);
            if (level.isEmpty()) {
                error(m.get("risk").location(), path + ".risk", "\"" + r + "\" is not a risk level; " + Suggestions.closest(r.toLowerCase(Locale.ROOT),
                        RiskLevel.labels()).map(x -> "did you mean \"" + x + "\"?").orElse("levels are " + String.join(", ", RiskLevel.labels()))
                        + " (the rule holds releases at that level or higher)");
            }
            return level;
        });
        Duration timeout = duration(m, "timeout", path, DEFAULT_APPROVAL_TIMEOUT);
        if (errors.size() > before || name.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new ApprovalRule(name.get(), services, migration, risk, timeout, m.location()));
    }

    private Optional<EvidenceRule> evidence(MapNode m, String path) {
        int before = errors.size();
        known(m, path, EVIDENCE);
        Optional<String> name = name(m, path);
        List<String> services = services(m, path);
        List<String> kinds = List.of("checksum", "vulnerabilities", "command").stream().filter(k -> m.get(k) != null).toList();
        if (kinds.size() != 1) {
            error(m.location(), path, kinds.isEmpty() ? "needs one check: checksum, vulnerabilities or command"
                    : "has " + String.join(" and ", kinds) + ": give each check its own entry");
            return Optional.empty();
        }
        String kind = kinds.get(0);
        SpecNode body = m.get(kind);
        String p = path + "." + kind;
        if (!(body instanceof MapNode b)) {
            error(body.location(), p, "must be a mapping; got " + body.describe());
            return Optional.empty();
        }
        EvidenceRule rule = switch (kind) {
            case "checksum" -> {
                known(b, p, CHECKSUM);
                Optional<String> file = required(b, "file", p);
                String sha = optional(b, "sha256", p).orElse(null);
                if (sha != null && !sha.matches("[0-9a-fA-F]{64}")) {
                    error(b.get("sha256").location(), p + ".sha256", "must be a sha256 digest: 64 hex digits, as sha256sum prints it");
                }
                String shaFile = optional(b, "sha256File", p).orElse(null);
                if (sha != null && shaFile != null) {
                    error(b.get("sha256File").location(), p + ".sha256File", "give sha256 or sha256File, not both");
                }
                yield file.map(f -> new EvidenceRule(name.orElse(""), services, kind, f, sha == null ? null : sha.toLowerCase(Locale.ROOT), shaFile,
                        null, null, null, m.location())).orElse(null);
            }
            case "vulnerabilities" -> {
                known(b, p, VULNERABILITIES);
                Optional<String> file = required(b, "file", p);
                optional(b, "format", p).filter(f -> !f.equals("trivy")).ifPresent(f -> error(b.get("format").location(), p + ".format",
                        "\"" + f + "\" is not a report format this server reads; it reads trivy (trivy ... --format json)"));
                Optional<Severity> max = required(b, "maxSeverity", p).flatMap(s -> {
                    Optional<Severity> v = Severity.parse(s);
                    if (v.isEmpty()) {
                        error(b.get("maxSeverity").location(), p + ".maxSeverity", "\"" + s + "\" is not a severity; " + Suggestions.closest(
                                s.toLowerCase(Locale.ROOT), Severity.labels()).map(x -> "did you mean \"" + x + "\"?")
                                .orElse("severities are " + String.join(", ", Severity.labels())));
                    }
                    return v;
                });
                yield file.isPresent() && max.isPresent() ? new EvidenceRule(name.orElse(""), services, kind, file.get(), null, null, max.get(), null,
                        null, m.location()) : null;
            }
            default -> {
                known(b, p, COMMAND);
                List<String> argv = strings(b, "run", p, "the program and its arguments, such as [./gradlew, check]");
                Duration timeout = duration(b, "timeout", p, DEFAULT_COMMAND_TIMEOUT);
                yield argv.isEmpty() ? null : new EvidenceRule(name.orElse(""), services, kind, null, null, null, null, argv, timeout, m.location());
            }
        };
        if (errors.size() > before || name.isEmpty() || rule == null) {
            return Optional.empty();
        }
        return Optional.of(rule);
    }

    private Optional<PlatformLimits> platform(SpecNode n) {
        if (!(n instanceof MapNode m)) {
            error(n.location(), "platform", "must be a mapping with executables and workdirs; got " + n.describe());
            return Optional.empty();
        }
        known(m, "platform", PLATFORM);
        List<String> exes = m.get("executables") == null ? List.of() : strings(m, "executables", "platform", "programs such as [java, /usr/bin/python3]");
        List<String> dirs = m.get("workdirs") == null ? List.of() : strings(m, "workdirs", "platform", "absolute directories such as [/srv/releases]");
        for (int i = 0; i < dirs.size(); i++) {
            if (!dirs.get(i).startsWith("/")) {
                error(((ListNode) m.get("workdirs")).items().get(i).location(), "platform.workdirs[" + i + "]", "must be an absolute directory; got " + dirs.get(i));
            }
        }
        for (int i = 0; i < exes.size(); i++) {
            if (exes.get(i).contains("/") && !exes.get(i).startsWith("/")) {
                error(((ListNode) m.get("executables")).items().get(i).location(), "platform.executables[" + i + "]",
                        "a path must be absolute (or give a bare program name, found through the PATH); got " + exes.get(i));
            }
        }
        return Optional.of(new PlatformLimits(exes, dirs, m.location()));
    }

    // --- fields -----------------------------------------------------------------------------------

    private Optional<String> name(MapNode m, String path) {
        return required(m, "name", path).flatMap(n -> {
            if (NAME.matcher(n).matches()) {
                return Optional.of(n);
            }
            error(m.get("name").location(), path + ".name", "\"" + n + "\" is not valid: use 1-63 letters, digits, '.', '_' or '-'");
            return Optional.empty();
        });
    }

    /** The services a rule covers; left out: every service. */
    private List<String> services(MapNode m, String path) {
        if (m.get("services") == null) {
            return List.of("*");
        }
        List<String> out = strings(m, "services", path, "service names such as [catalog, checkout], or [\"*\"]");
        for (int i = 0; i < out.size(); i++) {
            if (!SERVICE.matcher(out.get(i)).matches()) {
                error(((ListNode) m.get("services")).items().get(i).location(), path + ".services[" + i + "]", "\"" + out.get(i)
                        + "\" is not a service name: use a-z, 0-9 and '-', as in release files, or \"*\" for every service");
            }
        }
        return out;
    }

    private List<String> strings(MapNode m, String key, String path, String expected) {
        SpecNode n = m.get(key);
        String p = path + "." + key;
        List<String> out = new ArrayList<>();
        if (n == null) {
            error(m.location(), p, "is required: " + expected);
            return out;
        }
        if (!(n instanceof ListNode list) || list.items().isEmpty()) {
            error(n.location(), p, "must be a non-empty list of " + expected + "; got " + n.describe());
            return out;
        }
        for (int i = 0; i < list.items().size(); i++) {
            if (list.items().get(i) instanceof Scalar s && s.kind() != Scalar.Kind.NULL && !s.text().isBlank()) {
                out.add(s.text());
            } else {
                error(list.items().get(i).location(), p + "[" + i + "]", "must be text; got " + list.items().get(i).describe());
            }
        }
        return out;
    }

    private Duration duration(MapNode m, String key, String path, Duration dflt) {
        SpecNode n = m.get(key);
        if (n == null) {
            return dflt;
        }
        Optional<Duration> d = n instanceof Scalar s ? Durations.parse(s.text()) : Optional.empty();
        if (d.isEmpty() || d.get().isZero()) {
            error(n.location(), path + "." + key, "must be a duration such as 30s, 15m or 4h; got " + n.describe());
            return dflt;
        }
        return d.get();
    }

    private Optional<String> optional(MapNode m, String key, String path) {
        return checks.optional(m, key, path);
    }

    private Optional<String> required(MapNode m, String key, String path) {
        return checks.required(m, key, path);
    }

    private void known(MapNode m, String path, Set<String> fields) {
        checks.known(m, path, fields);
    }

    private void error(Location at, String path, String message) {
        errors.add(new SpecError(at, path, message));
    }
}
