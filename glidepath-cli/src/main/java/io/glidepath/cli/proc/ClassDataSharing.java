package io.glidepath.cli.proc;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Class-data sharing for the router and server JVMs that {@code glidepath up} starts: the same scheme
 * as the launcher's (see the {@code glidepath} script). The launcher names a directory of archives in
 * {@value #DIR_ENV}, made for this JDK, and the jar's tag in {@value #TAG_ENV}; a child maps its kind's
 * archive when there is one, else writes its classes at exit to a file of its own named with the tag,
 * which the next launcher run publishes if the jar is still the same. Without the variables (tests, a
 * jar run by hand) children start as before.
 */
public final class ClassDataSharing {
    public static final String DIR_ENV = "GLIDEPATH_CDS_DIR";
    public static final String TAG_ENV = "GLIDEPATH_CDS_TAG";
    /** Unified logging of CDS off: a missing, stale or foreign archive is ignored quietly, never on stdout. */
    static final String QUIET = "-Xlog:cds*=off";

    private ClassDataSharing() {
    }

    /** The JVM flags for a child of kind {@code role} ("router", "server"); empty when the launcher set none up. */
    public static List<String> flags(String role) {
        return flags(role, System.getenv(), ProcessHandle.current().pid() + "-" + System.nanoTime());
    }

    static List<String> flags(String role, Map<String, String> env, String unique) {
        String dir = env.get(DIR_ENV);
        String tag = env.get(TAG_ENV);
        if (dir == null || dir.isBlank() || tag == null || tag.isBlank() || !Files.isDirectory(Path.of(dir))) {
            return List.of();
        }
        Path archive = Path.of(dir, role + ".jsa");
        if (Files.isRegularFile(archive)) {
            return List.of("-XX:SharedArchiveFile=" + archive, QUIET);
        }
        return List.of("-XX:ArchiveClassesAtExit=" + Path.of(dir, role + ".jsa." + tag + "-" + unique + ".tmp"), QUIET);
    }
}
