package io.glidepath.migration;

import io.glidepath.spec.DatabaseSpec;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The migration safety gate, before anything runs: the static rules on every pending statement of a
 * database's expand and contract migrations, then (when the database is reachable) the scratch run,
 * whose observations become findings of their own where the static rules missed them. A finding the
 * release file allows ({@code allow}, with a reason) is kept with its reason; any other blocks.
 */
public final class MigrationGate {

    private MigrationGate() {
    }

    /**
     * What the gate says about one database: each pending statement's expected locks, the findings,
     * what the scratch run saw (absent when it did not run), and which migrations the database had
     * applied already.
     */
    public record Report(DatabaseSpec database, List<StatementLock> statements, List<Finding> findings, Optional<ScratchRun.Result> scratch,
                         List<String> alreadyApplied) {
        public Report {
            statements = List.copyOf(statements);
            findings = List.copyOf(findings);
            alreadyApplied = List.copyOf(alreadyApplied);
        }

        public boolean blocks() {
            return findings.stream().anyMatch(Finding::blocks);
        }

        public List<Finding> blocking() {
            return findings.stream().filter(Finding::blocks).toList();
        }
    }

    /** The static rules alone, on every migration in the folders: what {@code validate} and {@code plan} show without a database. */
    public static Report offline(DatabaseSpec db, Path baseDir) throws MigrationSetupException {
        MigrationScripts scripts = MigrationScripts.read(db, baseDir);
        return report(db, scripts, scripts.expand(), scripts.contract(), Optional.empty(), List.of(), false);
    }

    /**
     * The whole gate against the database: the migrations its Flyway history has not applied, checked
     * statically and tried on a scratch copy.
     */
    public static Report check(DatabaseAccess access, Path baseDir) throws MigrationSetupException {
        DatabaseSpec db = access.db();
        MigrationScripts scripts = MigrationScripts.read(db, baseDir);
        Set<String> applied = new HashSet<>();
        try (Connection c = access.connect("glidepath-gate")) {
            for (AppliedMigration a : History.read(c)) {
                if (a.success() && a.script() != null) {
                    applied.add(a.script());
                }
            }
        } catch (SQLException e) {
            throw new MigrationSetupException("database '" + db.name() + "': cannot read its Flyway history: " + e.getMessage(), e);
        }
        List<MigrationScript> expand = scripts.expand().stream().filter(s -> !applied.contains(s.script())).toList();
        List<MigrationScript> contract = scripts.contract().stream().filter(s -> !applied.contains(s.script())).toList();
        ScratchRun.Result scratch = ScratchRun.run(access, scripts);
        List<String> done = new ArrayList<>();
        scripts.expand().stream().filter(s -> applied.contains(s.script())).forEach(s -> done.add(s.file()));
        scripts.contract().stream().filter(s -> applied.contains(s.script())).forEach(s -> done.add(s.file()));
        return report(db, scripts, expand, contract, Optional.of(scratch), done, true);
    }

    private static Report report(DatabaseSpec db, MigrationScripts scripts, List<MigrationScript> expand, List<MigrationScript> contract,
                                 Optional<ScratchRun.Result> scratch, List<String> applied, boolean pendingOnly) {
        List<Finding> findings = new ArrayList<>();
        List<StatementLock> statements = new ArrayList<>();
        for (MigrationPhase phase : MigrationPhase.values()) {
            Linter.Result r = Linter.lint(db, phase, phase == MigrationPhase.EXPAND ? expand : contract, pendingOnly);
            findings.addAll(r.findings());
            statements.addAll(r.locks());
        }
        scratch.ifPresent(s -> findings.addAll(dynamic(s, findings, scripts)));
        List<Finding> judged = findings.stream().map(f -> allowance(db, f)).toList();
        return new Report(db, statements, judged, scratch, applied);
    }

    /** Findings from what the scratch run saw, on statements no static finding already covers. */
    private static List<Finding> dynamic(ScratchRun.Result scratch, List<Finding> statics, MigrationScripts scripts) {
        List<Finding> out = new ArrayList<>();
        for (StatementRun r : scratch.statements()) {
            int lines = scripts.phase(r.phase()).stream().filter(s -> s.file().equals(r.file())).flatMap(s -> s.statements().stream())
                    .filter(s -> s.line() == r.line()).findFirst().map(s -> (int) s.sql().lines().count()).orElse(1);
            boolean covered = statics.stream().anyMatch(f -> f.file().equals(r.file()) && f.line() >= r.line() && f.line() < r.line() + lines);
            r.error().ifPresent(e -> out.add(new Finding(r.phase(), r.file(), r.line(), MigrationRule.FAILS_ON_SCRATCH, r.statement() + " failed: " + e,
                    Optional.empty())));
            if (covered) {
                continue;
            }
            if (!r.rewrote().isEmpty()) {
                out.add(new Finding(r.phase(), r.file(), r.line(), MigrationRule.TABLE_REWRITE, r.statement() + " rewrote " + String.join(", ", r.rewrote())
                        + lockWords(r), Optional.empty()));
            } else if (!r.scannedUnderLock().isEmpty()) {
                out.add(new Finding(r.phase(), r.file(), r.line(), MigrationRule.SCAN_UNDER_LOCK, r.statement() + " read all of "
                        + String.join(", ", r.scannedUnderLock()), Optional.empty()));
            }
        }
        return out;
    }

    private static String lockWords(StatementRun r) {
        return r.strongest().map(m -> " holding " + m.words()).orElse("");
    }

    private static Finding allowance(DatabaseSpec db, Finding f) {
        return db.allow().stream().filter(a -> a.covers(f.rule(), f.file(), f.line())).findFirst().map(a -> f.allowed(a.reason())).orElse(f);
    }
}
