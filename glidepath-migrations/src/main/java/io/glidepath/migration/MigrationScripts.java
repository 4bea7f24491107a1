package io.glidepath.migration;

import io.glidepath.spec.DatabaseSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.flywaydb.core.internal.parser.ParsingContext;
import org.flywaydb.core.internal.resource.filesystem.FileSystemResource;
import org.flywaydb.core.internal.sqlscript.SqlStatement;
import org.flywaydb.core.internal.sqlscript.SqlStatementIterator;
import org.flywaydb.database.postgresql.PostgreSQLParser;

/**
 * Reads a database's expand and contract folders: every {@code V<version>__<description>.sql}, in
 * version order, split into statements by Flyway's own PostgreSQL parser (so the gate checks exactly
 * the statements Flyway will run, with their lines). Versions must be unique across both folders,
 * since both share the database's one Flyway history.
 */
public final class MigrationScripts {
    static final Pattern VERSIONED = Pattern.compile("V([0-9]+(?:[._][0-9]+)*)__(.+)\\.sql");

    private final List<MigrationScript> expand;
    private final List<MigrationScript> contract;

    private MigrationScripts(List<MigrationScript> expand, List<MigrationScript> contract) {
        this.expand = List.copyOf(expand);
        this.contract = List.copyOf(contract);
    }

    /** The database's migrations; {@code baseDir} is the release file's folder, which the folders are relative to. */
    public static MigrationScripts read(DatabaseSpec db, Path baseDir) throws MigrationSetupException {
        List<MigrationScript> expand = db.expand().isPresent() ? folder(db, baseDir, db.expand().get(), MigrationPhase.EXPAND) : List.of();
        List<MigrationScript> contract = db.contract().isPresent() ? folder(db, baseDir, db.contract().get(), MigrationPhase.CONTRACT) : List.of();
        Map<MigrationVersion, MigrationScript> seen = new HashMap<>();
        for (MigrationScript s : concat(expand, contract)) {
            MigrationScript other = seen.putIfAbsent(MigrationVersion.fromVersion(s.version()), s);
            if (other != null) {
                throw new MigrationSetupException(s.file() + ": version " + s.version() + " is also " + other.file() + "; database '" + db.name()
                        + "' keeps one Flyway history for expand and contract, so give each migration a version of its own");
            }
        }
        return new MigrationScripts(expand, contract);
    }

    public List<MigrationScript> expand() {
        return expand;
    }

    public List<MigrationScript> contract() {
        return contract;
    }

    List<MigrationScript> phase(MigrationPhase p) {
        return p == MigrationPhase.EXPAND ? expand : contract;
    }

    Optional<MigrationScript> byScript(String scriptName) {
        return concat(expand, contract).stream().filter(s -> s.script().equals(scriptName)).findFirst();
    }

    private static List<MigrationScript> concat(List<MigrationScript> a, List<MigrationScript> b) {
        List<MigrationScript> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static List<MigrationScript> folder(DatabaseSpec db, Path baseDir, String folder, MigrationPhase phase) throws MigrationSetupException {
        Path dir = baseDir.resolve(folder).normalize();
        String where = db.location() + ": database '" + db.name() + "' " + phase.word() + " folder " + folder;
        if (!Files.isDirectory(dir)) {
            throw new MigrationSetupException(where + " (" + dir + ") is not a folder; create it, or point " + phase.word()
                    + " at the folder holding the V<version>__<description>.sql files");
        }
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new MigrationSetupException(where + " cannot be read: " + e.getMessage(), e);
        }
        List<MigrationScript> out = new ArrayList<>();
        for (Path f : files) {
            String name = f.getFileName().toString();
            String shown = folder + "/" + name;
            Matcher m = VERSIONED.matcher(name);
            if (!m.matches()) {
                if (name.endsWith(".sql")) {
                    throw new MigrationSetupException(shown + ": not a versioned Flyway migration name; name it V<version>__<description>.sql, "
                            + "such as V5__add_sku.sql (repeatable R__ migrations have no place in expand/contract)");
                }
                continue; // READMEs and the like
            }
            List<MigrationScript.Statement> statements = statements(f, shown);
            if (outsideTransaction(f)) {
                statements = statements.stream().map(st -> new MigrationScript.Statement(st.line(), st.sql(), false)).toList();
            }
            out.add(new MigrationScript(phase, m.group(1).replace('_', '.'), m.group(2).replace('_', ' '), shown, f, statements));
        }
        out.sort(Comparator.comparing(s -> MigrationVersion.fromVersion(s.version())));
        return out;
    }

    /**
     * Flyway's script configuration file ({@code V5__x.sql.conf} with {@code executeInTransaction=false}), which
     * statements Flyway cannot tell apart need (REINDEX CONCURRENTLY, ALTER TYPE ... ADD VALUE on old servers).
     */
    private static boolean outsideTransaction(Path sql) throws MigrationSetupException {
        Path conf = sql.resolveSibling(sql.getFileName() + ".conf");
        if (!Files.isRegularFile(conf)) {
            return false;
        }
        try {
            return Files.readAllLines(conf, StandardCharsets.UTF_8).stream().map(l -> l.replace(" ", "").toLowerCase(java.util.Locale.ROOT))
                    .anyMatch(l -> l.equals("executeintransaction=false"));
        } catch (IOException e) {
            throw new MigrationSetupException(conf + " cannot be read: " + e.getMessage(), e);
        }
    }

    private static List<MigrationScript.Statement> statements(Path file, String shown) throws MigrationSetupException {
        try {
            Files.readString(file, StandardCharsets.UTF_8); // unreadable or not UTF-8: say so here, not deep in Flyway
        } catch (IOException e) {
            throw new MigrationSetupException(shown + " cannot be read as UTF-8 text: " + e.getMessage(), e);
        }
        PostgreSQLParser parser = new PostgreSQLParser(new FluentConfiguration(), new ParsingContext());
        List<MigrationScript.Statement> out = new ArrayList<>();
        try (SqlStatementIterator it = parser.parse(new FileSystemResource(null, file.toString(), StandardCharsets.UTF_8, false))) {
            while (it.hasNext()) {
                SqlStatement s = it.next();
                out.add(new MigrationScript.Statement(s.getLineNumber(), s.getSql(), s.canExecuteInTransaction()));
            }
        } catch (RuntimeException e) {
            throw new MigrationSetupException(shown + ": Flyway cannot split it into statements: " + e.getMessage(), e);
        }
        return out;
    }
}
