package io.glidepath.engine.internal;

import io.glidepath.engine.EngineSeams;
import io.glidepath.journal.MigrationStep;
import io.glidepath.journal.ReleaseEvent;
import io.glidepath.journal.RollbackCause;
import io.glidepath.migration.Finding;
import io.glidepath.migration.MigrationPhase;
import io.glidepath.migration.MigrationSetupException;
import io.glidepath.migration.Migrations;
import io.glidepath.platform.Instance;
import io.glidepath.probe.Prober;
import io.glidepath.spec.DatabaseSpec;
import io.glidepath.spec.HttpCheck;
import io.glidepath.spec.InvalidSpecException;
import io.glidepath.spec.ReleaseReader;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.spec.ServiceSpec;
import io.glidepath.store.ReleaseRecord;
import io.glidepath.store.Store;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * A release's database steps, around its waves: the safety gate on every database before anything
 * starts; each database's expand migrations before the first wave that uses it, and then the previous
 * versions of that wave's services proven again on the expanded schema with their own smoke checks
 * (stable still serves users); after a promotion, each contract once the previous versions have
 * stopped and PostgreSQL shows none of their sessions. Every step is journaled before and after it
 * ({@link ReleaseEvent.MigrationChanged}); Flyway's history is what says which migrations are applied,
 * so a step a restarted server runs again applies only what is still pending.
 */
public final class DatabaseSteps {
    /** How often the contract looks for the previous versions' sessions, and how long it waits for them at most. */
    static final Duration SESSION_POLL = Duration.ofSeconds(1);
    static final Duration SESSION_WAIT = Duration.ofHours(1);

    private final EngineSeams seams;
    private final Store store;
    private final ReleaseSpec spec;
    private final Path baseDir;
    private final EventSink events;

    public DatabaseSteps(EngineSeams seams, Store store, ReleaseSpec spec, Path baseDir, EventSink events) {
        this.seams = seams;
        this.store = store;
        this.spec = spec;
        this.baseDir = baseDir;
        this.events = events;
    }

    /** The gate on every database of the release: null when none blocks, else why the release must not start. */
    Failed gate() {
        for (DatabaseSpec db : spec.databases()) {
            Migrations.Gate g;
            try {
                g = seams.migrations().gate(db, baseDir);
            } catch (MigrationSetupException e) {
                emit(db, MigrationPhase.EXPAND, MigrationStep.GATE_REFUSED, null, "the migration gate could not check database '" + db.name()
                        + "': " + e.getMessage(), List.of());
                return new Failed(RollbackCause.MIGRATION, "the migration gate could not check database '" + db.name() + "': " + e.getMessage());
            }
            List<ReleaseEvent.GateFinding> findings = g.findings().stream().map(DatabaseSteps::journaled).toList();
            if (g.blocks()) {
                List<Finding> blocking = g.findings().stream().filter(Finding::blocks).toList();
                StringBuilder why = new StringBuilder("the migration gate refused database '" + db.name() + "': " + blocking.size()
                        + (blocking.size() == 1 ? " finding" : " findings") + " (" + g.checked() + ")");
                blocking.forEach(f -> why.append("\n  ").append(f.describe()));
                emit(db, MigrationPhase.EXPAND, MigrationStep.GATE_REFUSED, null, why.toString(), findings);
                return new Failed(RollbackCause.MIGRATION, "the migration gate refused database '" + db.name() + "': "
                        + String.join("; ", blocking.stream().map(f -> f.file() + ":" + f.line() + " " + f.rule().id()).toList()));
            }
            long allowed = g.findings().stream().filter(f -> f.allowedBecause().isPresent()).count();
            StringBuilder msg = new StringBuilder("the migration gate passed database '" + db.name() + "' (" + g.checked() + ")"
                    + (allowed == 0 ? "" : "; " + allowed + " finding" + (allowed == 1 ? "" : "s") + " allowed by the release file"));
            g.findings().forEach(f -> msg.append("\n  ").append(f.describe()));
            emit(db, MigrationPhase.EXPAND, MigrationStep.GATE_PASSED, null, msg.toString(), findings);
        }
        return null;
    }

    /**
     * Before wave {@code wave} (0-based): the expand migrations of each database this wave uses first,
     * then the previous versions of the release's services on that database proven on the expanded schema.
     * Null when all went well, else the failure (the expanded schema stays: it keeps the previous version working).
     */
    Failed expandBefore(int wave, Function<String, Previous> previous) {
        List<DatabaseSpec> dbs = spec.expandsPerWave().get(wave);
        for (DatabaseSpec db : dbs) {
            emit(db, MigrationPhase.EXPAND, MigrationStep.STARTED, null, "expanding database '" + db.name() + "' before wave " + (wave + 1), List.of());
            List<Migrations.Applied> applied;
            try {
                applied = seams.migrations().expand(db, baseDir, progress(db, MigrationPhase.EXPAND));
            } catch (MigrationSetupException e) {
                emit(db, MigrationPhase.EXPAND, MigrationStep.FAILED, null, "expand of database '" + db.name() + "' failed: " + e.getMessage(), List.of());
                return new Failed(RollbackCause.MIGRATION, "expand of database '" + db.name() + "' failed: " + e.getMessage());
            }
            emit(db, MigrationPhase.EXPAND, MigrationStep.DONE, null, "database '" + db.name() + "' expanded: " + (applied.isEmpty()
                    ? "nothing was pending" : applied.size() + " migration" + (applied.size() == 1 ? "" : "s") + " applied"), List.of());
            // every service of the release on this database runs its previous version on the expanded schema now, not only this wave's
            for (ServiceSpec s : spec.services()) {
                if (s.database().filter(db.name()::equals).isPresent()) {
                    Failed f = provePrevious(db, s, previous.apply(s.name()));
                    if (f != null) {
                        return f;
                    }
                }
            }
        }
        return null;
    }

    /**
     * The previous version of {@code s}, still serving users, checked on the expanded schema with its own
     * smoke checks (from the release that shipped it) on each of its instances; with none, its readiness path.
     */
    private Failed provePrevious(DatabaseSpec db, ServiceSpec s, Previous before) {
        if (before.version().isEmpty() || before.instances().isEmpty()) {
            return null;
        }
        String version = before.version().get();
        Optional<ServiceSpec> shipped = previousSpec(s.name(), version);
        List<HttpCheck> checks = shipped.map(ServiceSpec::smoke).orElse(List.of());
        for (Instance i : before.instances()) {
            if (checks.isEmpty()) {
                String path = shipped.map(x -> x.readiness().path()).orElse(s.readiness().path());
                Prober.Result r = seams.prober().get(i.address(), path, shipped.map(x -> x.readiness().timeout()).orElse(s.readiness().timeout()));
                String msg = s.name() + " " + version + " (previous, serving users) on the expanded schema: GET " + path + " on instance " + i.id()
                        + " -> " + r.detail() + " (its release had no smoke checks; its readiness path stands in)";
                events.emit(new ReleaseEvent.CheckResult(now(), s.name(), msg, "readiness", "instance " + i.id(), r.passed()));
                if (!r.passed()) {
                    return failedOnExpanded(s, version, msg);
                }
                continue;
            }
            for (HttpCheck c : checks) {
                Prober.Result r = seams.prober().check(i.address(), c, Map.of());
                String msg = s.name() + " " + version + " (previous, serving users) on the expanded schema: smoke test '" + c.name() + "' "
                        + (r.passed() ? "passed" : "failed") + " on instance " + i.id() + ": " + c.method() + " " + c.path() + " -> " + r.detail();
                events.emit(new ReleaseEvent.CheckResult(now(), s.name(), msg, c.name(), "instance " + i.id(), r.passed()));
                if (!r.passed()) {
                    return failedOnExpanded(s, version, msg);
                }
            }
        }
        emit(db, MigrationPhase.EXPAND, MigrationStep.PREVIOUS_PROVEN, null, s.name() + " " + version + " passes its own checks on the expanded "
                + "schema of database '" + db.name() + "'", List.of());
        return null;
    }

    private static Failed failedOnExpanded(ServiceSpec s, String version, String msg) {
        return new Failed(RollbackCause.MIGRATION, s.name() + " " + version + ", which serves users, fails on the expanded schema, so "
                + s.version() + " was not started: " + msg);
    }

    /** The service as the release that shipped {@code version} described it, when the store still has that release. */
    private Optional<ServiceSpec> previousSpec(String service, String version) {
        return store.service(service).filter(r -> r.currentVersion().equals(version)).flatMap(r -> store.release(r.lastRelease()))
                .flatMap(DatabaseSteps::read).flatMap(rs -> rs.service(service));
    }

    private static Optional<ReleaseSpec> read(ReleaseRecord r) {
        try {
            return Optional.of(r.spec());
        } catch (InvalidSpecException e) {
            return Optional.empty();
        }
    }

    /** After a promotion: the databases with contract migrations still to run, each journaled as pending. */
    List<DatabaseSpec> contractsPending() {
        List<DatabaseSpec> out = new ArrayList<>();
        for (DatabaseSpec db : spec.databases()) {
            try {
                List<String> pending = seams.migrations().pendingContract(db, baseDir);
                if (!pending.isEmpty()) {
                    out.add(db);
                    emit(db, MigrationPhase.CONTRACT, MigrationStep.CONTRACT_PENDING, null, "contract of database '" + db.name() + "' pending: "
                            + String.join(", ", pending) + "; it runs once no previous version of " + String.join(", ", users(db)) + " is connected",
                            List.of());
                }
            } catch (MigrationSetupException e) {
                emit(db, MigrationPhase.CONTRACT, MigrationStep.FAILED, null, "contract of database '" + db.name() + "' cannot run: " + e.getMessage(),
                        List.of());
            }
        }
        return out;
    }

    /** A release that did not promote: its contracts never run; the expanded schema stays, the previous version proven on it. */
    void skipContracts(String why) {
        for (DatabaseSpec db : spec.databases()) {
            if (db.contract().isPresent()) {
                emit(db, MigrationPhase.CONTRACT, MigrationStep.SKIPPED, null, "contract of database '" + db.name() + "' will not run: " + why
                        + "; the expanded schema stays (the previous version was proven on it)", List.of());
            }
        }
    }

    /**
     * Each pending contract, once the previous versions of the database's services (their application_name)
     * have no session left: waits up to {@link #SESSION_WAIT}, then runs it.
     */
    public void contract(List<DatabaseSpec> pending, Map<String, Optional<String>> previousVersions) throws InterruptedException {
        for (DatabaseSpec db : pending) {
            Set<String> names = new LinkedHashSet<>();
            Map<String, String> versions = new java.util.LinkedHashMap<>();
            for (String service : users(db)) {
                previousVersions.getOrDefault(service, Optional.empty()).ifPresent(v -> {
                    names.add(Migrations.applicationName(service, v));
                    versions.put(service, v);
                });
            }
            if (!awaitPreviousGone(db, versions, names)) {
                continue;
            }
            emit(db, MigrationPhase.CONTRACT, MigrationStep.STARTED, null, "contracting database '" + db.name() + "'" + (names.isEmpty()
                    ? ": no previous version to wait for" : ": no session of " + String.join(", ", names) + " is connected"), List.of());
            try {
                List<Migrations.Applied> applied = seams.migrations().contract(db, baseDir, progress(db, MigrationPhase.CONTRACT));
                emit(db, MigrationPhase.CONTRACT, MigrationStep.DONE, null, "database '" + db.name() + "' contracted: " + applied.size() + " migration"
                        + (applied.size() == 1 ? "" : "s") + " applied", List.of());
            } catch (MigrationSetupException e) {
                emit(db, MigrationPhase.CONTRACT, MigrationStep.FAILED, null, "contract of database '" + db.name() + "' failed: " + e.getMessage()
                        + "; the release stays promoted, the schema expanded", List.of());
            }
        }
    }

    /** Until no instance of the previous versions runs and PostgreSQL shows none of their sessions; false when that never came. */
    private boolean awaitPreviousGone(DatabaseSpec db, Map<String, String> versions, Set<String> names) throws InterruptedException {
        if (names.isEmpty()) {
            return true;
        }
        Instant until = now().plus(SESSION_WAIT);
        boolean said = false;
        while (true) {
            long alive = versions.entrySet().stream().mapToLong(e -> seams.platform().list(e.getKey()).stream()
                    .filter(i -> i.version().equals(e.getValue())).count()).sum();
            int n;
            try {
                n = seams.migrations().sessions(db, names);
            } catch (MigrationSetupException e) {
                n = -1;
            }
            if (n == 0 && alive == 0) {
                return true;
            }
            if (now().isAfter(until)) {
                emit(db, MigrationPhase.CONTRACT, MigrationStep.FAILED, null, "contract of database '" + db.name() + "' not run: "
                        + waitingFor(alive, n, names) + " after " + SESSION_WAIT.toMinutes() + " min", List.of());
                return false;
            }
            if (!said) {
                emit(db, MigrationPhase.CONTRACT, MigrationStep.CONTRACT_WAITING, null, "contract of database '" + db.name() + "' waits: "
                        + waitingFor(alive, n, names), List.of());
                said = true;
            }
            seams.clock().sleep(SESSION_POLL);
        }
    }

    private static String waitingFor(long alive, int sessions, Set<String> names) {
        List<String> why = new ArrayList<>();
        if (alive > 0) {
            why.add(alive + " instance(s) of the previous version still running");
        }
        why.add(sessions < 0 ? "the sessions cannot be listed" : sessions + " session(s) of " + String.join(", ", names) + " still connected");
        return String.join(", ", why);
    }

    private List<String> users(DatabaseSpec db) {
        return spec.services().stream().filter(s -> s.database().filter(db.name()::equals).isPresent()).map(ServiceSpec::name).toList();
    }

    private Migrations.Progress progress(DatabaseSpec db, MigrationPhase phase) {
        return new Migrations.Progress() {
            @Override
            public void starting(String file) {
                emit(db, phase, MigrationStep.APPLYING, file, "applying " + file + " to database '" + db.name() + "'", List.of());
            }

            @Override
            public void applied(Migrations.Applied m) {
                emit(db, phase, MigrationStep.APPLIED, m.file(), "applied " + m.file() + " (version " + m.version() + ") to database '" + db.name()
                        + "' in " + m.millis() + " ms", List.of());
            }

            @Override
            public void retrying(String file, String why, long inMillis, int attempt, int of) {
                emit(db, phase, MigrationStep.RETRYING, file, file + ": " + why + (inMillis > 0 ? "; try " + attempt + " of " + of + " in " + inMillis
                        + " ms" : ""), List.of());
            }
        };
    }

    private static ReleaseEvent.GateFinding journaled(Finding f) {
        return new ReleaseEvent.GateFinding(f.file(), f.line(), f.rule().id(), f.detail(), f.allowedBecause().orElse(null));
    }

    private void emit(DatabaseSpec db, MigrationPhase phase, MigrationStep step, String file, String message, List<ReleaseEvent.GateFinding> findings) {
        events.emit(new ReleaseEvent.MigrationChanged(now(), null, message, db.name(), phase, step, file, findings));
    }

    private Instant now() {
        return seams.clock().now();
    }
}
