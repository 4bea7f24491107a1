package io.glidepath.policy;

import io.glidepath.spec.Location;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.spec.ServiceSpec;
import io.glidepath.spec.SpecError;
import io.glidepath.spec.SpecNode;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What releases may run on the local platform: {@code executables} (a bare name such as {@code java}
 * matches a command run by that name through the PATH; an entry with a '/' is an absolute path or a
 * glob over absolute paths, matched against the command's program resolved against its working
 * directory) and {@code workdirs} (directories an instance's working directory must be in, after
 * resolving it against the release file's folder; {@code ..} is resolved, symbolic links are not).
 * An empty list leaves that part unrestricted.
 */
public record PlatformLimits(List<String> executables, List<String> workdirs, Location location) {

    public PlatformLimits {
        executables = List.copyOf(executables);
        workdirs = List.copyOf(workdirs);
    }

    /** Each command or working directory of the release this forbids, at the release file's {@code run.command} (or run.workdir). */
    public List<SpecError> problems(ReleaseSpec spec, Path baseDir, Optional<SpecNode> file) {
        List<SpecError> out = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        for (ServiceSpec s : spec.services()) {
            String service = Policy.serviceName(s);
            if (seen.contains(service) || s.run().command().isEmpty()) {
                continue; // a fleet's customers share their service's command
            }
            seen.add(service);
            Path workdir = baseDir.resolve(s.run().workdir().orElse(".")).normalize();
            String program = s.run().command().get(0);
            if (!executables.isEmpty() && !allowed(program, workdir)) {
                Located at = locate(file, service, "command", s);
                out.add(new SpecError(at.location(), at.path(), "runs " + program + (program.contains("/") ? " (" + workdir.resolve(program).normalize()
                        + ")" : "") + ", which this server's policy does not allow (policy " + location + "); allowed executables: "
                        + String.join(", ", executables)));
            }
            if (!workdirs.isEmpty() && workdirs.stream().map(w -> Path.of(w).normalize()).noneMatch(workdir::startsWith)) {
                Located at = locate(file, service, s.run().workdir().isPresent() ? "workdir" : "command", s);
                out.add(new SpecError(at.location(), at.path(), "runs in " + workdir + ", outside the working directories this server's policy allows "
                        + "(policy " + location + "): " + String.join(", ", workdirs)));
            }
        }
        return out;
    }

    private boolean allowed(String program, Path workdir) {
        if (program.contains("{{")) {
            return false; // a template cannot be checked before it is filled
        }
        if (!program.contains("/")) {
            return executables.contains(program);
        }
        Path resolved = workdir.resolve(program).normalize();
        for (String e : executables) {
            if (!e.contains("/")) {
                continue;
            }
            PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + e);
            if (m.matches(resolved) || Path.of(e).normalize().equals(resolved)) {
                return true;
            }
        }
        return false;
    }

    private record Located(Location location, String path) {
    }

    /** The release file's {@code services[i].run.FIELD} for the service, found in the file's tree; else the run block's location. */
    private static Located locate(Optional<SpecNode> file, String service, String field, ServiceSpec s) {
        if (file.isPresent() && file.get() instanceof SpecNode.MapNode top && top.get("services") instanceof SpecNode.ListNode list) {
            for (int i = 0; i < list.items().size(); i++) {
                if (list.items().get(i) instanceof SpecNode.MapNode m && m.get("name") instanceof SpecNode.Scalar n && n.text().equals(service)
                        && m.get("run") instanceof SpecNode.MapNode run && run.get(field) != null) {
                    SpecNode value = run.get(field);
                    Location at = value instanceof SpecNode.ListNode l && !l.items().isEmpty() ? l.items().get(0).location() : value.location();
                    return new Located(at, "services[" + i + "].run." + field);
                }
            }
        }
        return new Located(s.run().location(), "services(" + service + ").run." + field);
    }
}
