package io.glidepath.cli.migrate;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.glidepath.migration.Finding;
import io.glidepath.migration.MigrationGate;
import io.glidepath.migration.MigrationPhase;
import io.glidepath.migration.MigrationSetupException;
import io.glidepath.migration.StatementLock;
import io.glidepath.route.RouteJson;
import io.glidepath.spec.DatabaseSpec;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.spec.ServiceSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What {@code validate} and {@code plan} show of a release's migrations: per database, in the order the
 * release runs them (each database's expand before the first wave that uses it, every contract after
 * the release), each statement with the lock its kind takes and the gate's static findings. It reads
 * the files only; the server's gate, before a release starts, also tries them on a scratch copy.
 */
public final class MigrationsView {
    private final List<Entry> entries;

    /** One database: the wave its expand goes before (1-based), the services using it, and the gate's offline report or why there is none. */
    record Entry(DatabaseSpec db, int wave, List<String> services, Optional<MigrationGate.Report> report, Optional<String> problem) {
    }

    private MigrationsView(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    public static MigrationsView of(ReleaseSpec spec, Path baseDir) {
        List<Entry> out = new ArrayList<>();
        List<List<DatabaseSpec>> perWave = spec.expandsPerWave();
        for (int w = 0; w < perWave.size(); w++) {
            for (DatabaseSpec db : perWave.get(w)) {
                List<String> users = spec.services().stream().filter(s -> s.database().filter(db.name()::equals).isPresent())
                        .map(ServiceSpec::name).toList();
                try {
                    out.add(new Entry(db, w + 1, users, Optional.of(MigrationGate.offline(db, baseDir)), Optional.empty()));
                } catch (MigrationSetupException e) {
                    out.add(new Entry(db, w + 1, users, Optional.empty(), Optional.of(e.getMessage())));
                }
            }
        }
        return new MigrationsView(out);
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** True when a release of this file would be refused: a folder Glidepath cannot read, or a finding the file does not allow. */
    public boolean blocks() {
        return entries.stream().anyMatch(e -> e.problem().isPresent() || e.report().map(MigrationGate.Report::blocks).orElse(false));
    }

    public String text() {
        if (entries.isEmpty()) {
            return "";
        }
        StringBuilder b = new StringBuilder("Migrations (read from the files; before the release starts, the server's gate also tries them on a "
                + "scratch copy of each database):\n");
        for (MigrationPhase phase : MigrationPhase.values()) {
            for (Entry e : entries) {
                String when = phase == MigrationPhase.EXPAND ? "expand, before wave " + e.wave() + " (" + String.join(", ", e.services()) + ")"
                        : "contract, once the release is promoted and no previous version of " + String.join(", ", e.services()) + " is connected";
                if (e.problem().isPresent()) {
                    if (phase == MigrationPhase.EXPAND) {
                        b.append("  database ").append(e.db().name()).append(": cannot be read: ").append(e.problem().get()).append('\n');
                    }
                    continue;
                }
                MigrationGate.Report r = e.report().orElseThrow();
                List<StatementLock> statements = r.statements().stream().filter(s -> s.phase() == phase).toList();
                b.append("  database ").append(e.db().name()).append(", ").append(when).append(": ")
                        .append(statements.isEmpty() ? "nothing\n" : statements.size() + (statements.size() == 1 ? " statement\n" : " statements\n"));
                for (StatementLock s : statements) {
                    b.append("    ").append(s.describe()).append('\n');
                    for (Finding f : r.findings()) {
                        if (statementOf(f, statements).filter(s::equals).isPresent()) {
                            b.append(f.blocks() ? "      BLOCKS  " : "      allowed ").append(f.file()).append(':').append(f.line()).append(' ')
                                    .append(f.rule().id()).append(": ").append(f.detail()).append('\n')
                                    .append("              why: ").append(f.rule().why()).append('\n')
                                    .append("              safe way: ").append(f.rule().safeWay()).append('\n');
                            f.allowedBecause().ifPresent(a -> b.append("              allowed because: ").append(a).append('\n'));
                        }
                    }
                }
            }
        }
        long blocking = entries.stream().flatMap(e -> e.report().stream()).mapToLong(r -> r.blocking().size()).sum();
        if (blocking > 0) {
            b.append("  ").append(blocking).append(blocking == 1 ? " finding blocks" : " findings block")
                    .append(" the release: take the safe way, or allow it in the database's allow list with a reason (journaled with the release)\n");
        }
        return b.toString();
    }

    /** A finding's statement: the last one of its file that starts at or before the finding's line (findings sit on their clause's line). */
    private static Optional<StatementLock> statementOf(Finding f, List<StatementLock> statements) {
        StatementLock best = null;
        for (StatementLock s : statements) {
            if (s.phase() == f.phase() && s.file().equals(f.file()) && s.line() <= f.line()) {
                best = s;
            }
        }
        return Optional.ofNullable(best);
    }

    public ArrayNode json() {
        ArrayNode a = RouteJson.MAPPER.createArrayNode();
        for (Entry e : entries) {
            ObjectNode d = a.addObject();
            d.put("database", e.db().name()).put("expandBeforeWave", e.wave());
            ArrayNode users = d.putArray("services");
            e.services().forEach(users::add);
            e.problem().ifPresent(p -> d.put("problem", p));
            e.report().ifPresent(r -> {
                d.put("blocks", r.blocks());
                ArrayNode st = d.putArray("statements");
                for (StatementLock s : r.statements()) {
                    ObjectNode n = st.addObject().put("phase", s.phase().word()).put("file", s.file()).put("line", s.line())
                            .put("statement", s.statement()).put("transactional", s.transactional());
                    s.expected().ifPresent(m -> n.put("lock", m.words()).put("effect", m.effect()));
                    s.table().ifPresent(t -> n.put("table", t));
                }
                ArrayNode fs = d.putArray("findings");
                for (Finding f : r.findings()) {
                    ObjectNode n = fs.addObject().put("phase", f.phase().word()).put("file", f.file()).put("line", f.line())
                            .put("rule", f.rule().id()).put("detail", f.detail()).put("why", f.rule().why()).put("safeWay", f.rule().safeWay())
                            .put("blocks", f.blocks());
                    f.allowedBecause().ifPresent(x -> n.put("allowedBecause", x));
                }
            });
        }
        return a;
    }
}
