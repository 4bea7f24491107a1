package io.glidepath.migration;

import io.glidepath.spec.DatabaseSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.antlr.v4.runtime.ParserRuleContext;
import org.apache.shardingsphere.sql.parser.autogen.PostgreSQLStatementParser;
import org.apache.shardingsphere.sql.parser.autogen.PostgreSQLStatementParser.AddColumnSpecificationContext;
import org.apache.shardingsphere.sql.parser.autogen.PostgreSQLStatementParser.AddConstraintSpecificationContext;
import org.apache.shardingsphere.sql.parser.autogen.PostgreSQLStatementParser.AlterTableContext;
import org.apache.shardingsphere.sql.parser.autogen.PostgreSQLStatementParser.ColumnConstraintOptionContext;
import org.apache.shardingsphere.sql.parser.autogen.PostgreSQLStatementParser.CreateIndexContext;
import org.apache.shardingsphere.sql.parser.autogen.PostgreSQLStatementParser.CreateTableContext;
import org.apache.shardingsphere.sql.parser.autogen.PostgreSQLStatementParser.DropColumnSpecificationContext;
import org.apache.shardingsphere.sql.parser.autogen.PostgreSQLStatementParser.DropIndexContext;
import org.apache.shardingsphere.sql.parser.autogen.PostgreSQLStatementParser.DropTableContext;
import org.apache.shardingsphere.sql.parser.autogen.PostgreSQLStatementParser.ModifyColumnSpecificationContext;
import org.apache.shardingsphere.sql.parser.autogen.PostgreSQLStatementParser.RenameColumnSpecificationContext;
import org.apache.shardingsphere.sql.parser.autogen.PostgreSQLStatementParser.RenameTableSpecificationContext;
import org.apache.shardingsphere.sql.parser.autogen.PostgreSQLStatementParser.ValidateConstraintSpecificationContext;

/**
 * The gate's static rules: reads each statement of a phase's migrations on PostgreSQL's grammar, in
 * the order Flyway runs them, and reports what would lock a busy table for long, rewrite it, or break
 * the previous version (renames and drops belong in contract). It remembers what earlier statements
 * did: an index on a table this run created is no finding (nobody uses the table yet), and SET NOT NULL
 * after a validated CHECK (col IS NOT NULL) is safe.
 */
public final class Linter {
    /** Functions whose value changes per row: a column added with one as its default is filled by rewriting the table. */
    static final Set<String> VOLATILE = Set.of("random", "clock_timestamp", "timeofday", "gen_random_uuid", "uuid_generate_v1",
            "uuid_generate_v1mc", "uuid_generate_v4", "nextval", "txid_current", "setseed", "uuidv4", "uuidv7", "gen_random_bytes");
    static final Set<String> SERIAL = Set.of("serial", "bigserial", "smallserial", "serial2", "serial4", "serial8");

    private final DatabaseSpec db;
    private final List<Finding> findings = new ArrayList<>();
    private final List<StatementLock> locks = new ArrayList<>();
    private final Set<String> createdTables = new HashSet<>();
    /** CHECK (col IS NOT NULL) constraints by name, to their table.column, until validated. */
    private final Map<String, String> notNullChecks = new HashMap<>();
    private final Set<String> provenNotNull = new HashSet<>();

    private Linter(DatabaseSpec db) {
        this.db = db;
    }

    /**
     * The findings and the expected locks of {@code scripts}, which run in this order. {@code pendingOnly}: the
     * scripts are exactly the ones the database has not applied, so a table an earlier one creates has no users
     * yet; otherwise (the files alone, without the database) only a table created in the same file counts as new.
     */
    public static Result lint(DatabaseSpec db, MigrationPhase phase, List<MigrationScript> scripts, boolean pendingOnly) {
        Linter l = new Linter(db);
        for (MigrationScript s : scripts) {
            if (!pendingOnly) {
                l.createdTables.clear();
            }
            l.script(phase, s);
        }
        return new Result(l.findings, l.locks);
    }

    public record Result(List<Finding> findings, List<StatementLock> locks) {
        public Result {
            findings = List.copyOf(findings);
            locks = List.copyOf(locks);
        }
    }

    private void script(MigrationPhase phase, MigrationScript script) {
        long substantive = script.statements().stream().filter(s -> !isSetting(PgStatement.parse(s.sql()))).count();
        for (MigrationScript.Statement st : script.statements()) {
            PgStatement pg = PgStatement.parse(st.sql());
            At at = new At(phase, script.file(), st.line(), pg);
            Optional<String> problem = pg.unreadable();
            if (problem.isPresent()) {
                at.find(pg.statement().orElse(null), MigrationRule.UNREADABLE_STATEMENT, "PostgreSQL's grammar as the gate knows it stops at "
                        + problem.get());
                locks.add(new StatementLock(phase, script.file(), st.line(), summary(st.sql()), Optional.empty(), Optional.empty(), st.transactional()));
                continue;
            }
            ParserRuleContext kind = pg.statement().orElseThrow();
            Expected expected = check(at, kind, phase, script, substantive);
            locks.add(new StatementLock(phase, script.file(), st.line(), summary(st.sql()), expected.mode(), expected.table(), st.transactional()));
        }
    }

    private record Expected(Optional<LockMode> mode, Optional<String> table) {
        static final Expected NONE = new Expected(Optional.empty(), Optional.empty());

        static Expected of(LockMode mode, String table) {
            return new Expected(Optional.of(mode), Optional.ofNullable(table));
        }
    }

    /** Where a statement stands, to place findings on the line of the clause they are about. */
    private final class At {
        final MigrationPhase phase;
        final String file;
        final int line;
        final PgStatement pg;

        At(MigrationPhase phase, String file, int line, PgStatement pg) {
            this.phase = phase;
            this.file = file;
            this.line = line;
            this.pg = pg;
        }

        void find(ParserRuleContext clause, MigrationRule rule, String detail) {
            int l = clause == null || clause.getStart() == null ? line : line + clause.getStart().getLine() - pg.firstTokenLine();
            findings.add(new Finding(phase, file, l, rule, detail, Optional.empty()));
        }
    }

    private Expected check(At at, ParserRuleContext kind, MigrationPhase phase, MigrationScript script, long substantive) {
        PgStatement pg = at.pg;
        if (kind instanceof CreateTableContext t) {
            PgStatement.first(t, PostgreSQLStatementParser.TableNameContext.class).ifPresent(n -> createdTables.add(PgStatement.identifier(n.getText())));
            return Expected.NONE;
        }
        if (kind instanceof CreateIndexContext ci) {
            String table = PgStatement.first(ci, PostgreSQLStatementParser.TableNameContext.class).map(n -> PgStatement.identifier(n.getText())).orElse("?");
            boolean concurrently = ci.concurrentlyClause() != null && ci.concurrentlyClause().getChildCount() > 0;
            if (concurrently) {
                alone(at, ci, script, substantive);
                return Expected.of(LockMode.SHARE_UPDATE_EXCLUSIVE, table);
            }
            if (!createdTables.contains(table)) {
                at.find(ci, MigrationRule.REQUIRE_CONCURRENT_INDEX_CREATION, "CREATE INDEX on " + table + " without CONCURRENTLY");
            }
            return Expected.of(LockMode.SHARE, table);
        }
        if (kind instanceof DropIndexContext di) {
            if (PgStatement.hasTokenDeep(di, PostgreSQLStatementParser.CONCURRENTLY)) {
                alone(at, di, script, substantive);
                return Expected.of(LockMode.SHARE_UPDATE_EXCLUSIVE, null);
            }
            at.find(di, MigrationRule.REQUIRE_CONCURRENT_INDEX_DELETION, "DROP INDEX without CONCURRENTLY");
            return Expected.of(LockMode.ACCESS_EXCLUSIVE, null);
        }
        if (kind instanceof PostgreSQLStatementParser.ReindexContext ri) {
            if (PgStatement.hasTokenDeep(ri, PostgreSQLStatementParser.CONCURRENTLY)) {
                alone(at, ri, script, substantive);
                return Expected.of(LockMode.SHARE_UPDATE_EXCLUSIVE, null);
            }
            at.find(ri, MigrationRule.REQUIRE_CONCURRENT_REINDEX, "REINDEX without CONCURRENTLY");
            return Expected.of(LockMode.ACCESS_EXCLUSIVE, null);
        }
        if (kind instanceof PostgreSQLStatementParser.VacuumContext v) {
            if (PgStatement.hasTokenDeep(v, PostgreSQLStatementParser.FULL)) {
                at.find(v, MigrationRule.VACUUM_FULL, "VACUUM FULL");
                return Expected.of(LockMode.ACCESS_EXCLUSIVE, null);
            }
            return Expected.of(LockMode.SHARE_UPDATE_EXCLUSIVE, null);
        }
        if (kind instanceof PostgreSQLStatementParser.ClusterContext c) {
            at.find(c, MigrationRule.CLUSTER, "CLUSTER");
            return Expected.of(LockMode.ACCESS_EXCLUSIVE, null);
        }
        if (kind instanceof DropTableContext dt) {
            List<String> tables = PgStatement.all(dt, PostgreSQLStatementParser.TableNameContext.class).stream()
                    .map(n -> PgStatement.identifier(n.getText())).toList();
            if (phase == MigrationPhase.EXPAND && !createdTables.containsAll(tables)) {
                at.find(dt, MigrationRule.DROPPING_TABLE, "DROP TABLE " + String.join(", ", tables) + " in an expand migration");
            }
            return Expected.of(LockMode.ACCESS_EXCLUSIVE, String.join(", ", tables));
        }
        if (kind instanceof AlterTableContext alter) {
            return alterTable(at, alter, phase);
        }
        if (kind instanceof PostgreSQLStatementParser.SetContext || kind instanceof PostgreSQLStatementParser.ResetParameterContext) {
            lockTimeout(at, kind);
            return Expected.NONE;
        }
        if (kind instanceof PostgreSQLStatementParser.DropTriggerContext dt) {
            return Expected.of(LockMode.ACCESS_EXCLUSIVE, PgStatement.first(dt, PostgreSQLStatementParser.TableNameContext.class)
                    .map(n -> PgStatement.identifier(n.getText())).orElse(null));
        }
        if (kind instanceof PostgreSQLStatementParser.CreateTriggerContext ct) {
            return Expected.of(LockMode.SHARE_ROW_EXCLUSIVE, PgStatement.first(ct, PostgreSQLStatementParser.TableNameContext.class)
                    .map(n -> PgStatement.identifier(n.getText())).orElse(null));
        }
        if (kind instanceof PostgreSQLStatementParser.UpdateContext || kind instanceof PostgreSQLStatementParser.InsertContext
                || kind instanceof PostgreSQLStatementParser.DeleteContext) {
            return Expected.of(LockMode.ROW_EXCLUSIVE, PgStatement.first(kind, PostgreSQLStatementParser.TableNameContext.class)
                    .map(n -> PgStatement.identifier(n.getText())).orElse(null));
        }
        if (kind instanceof PostgreSQLStatementParser.TruncateTableContext) {
            return Expected.of(LockMode.ACCESS_EXCLUSIVE, PgStatement.first(kind, PostgreSQLStatementParser.TableNameContext.class)
                    .map(n -> PgStatement.identifier(n.getText())).orElse(null));
        }
        return Expected.NONE;
    }

    /** A CONCURRENTLY statement in a migration with other statements (settings aside). */
    private void alone(At at, ParserRuleContext clause, MigrationScript script, long substantive) {
        if (substantive > 1) {
            at.find(clause, MigrationRule.CONCURRENTLY_NOT_ALONE, "a CONCURRENTLY statement among " + (substantive - 1) + " other statement(s) of "
                    + script.file());
        }
    }

    /**
     * ALTER TABLE: each action's findings, and the strongest lock among its actions (ACCESS EXCLUSIVE for most;
     * ADD FOREIGN KEY takes SHARE ROW EXCLUSIVE, VALIDATE CONSTRAINT SHARE UPDATE EXCLUSIVE).
     */
    private Expected alterTable(At at, AlterTableContext alter, MigrationPhase phase) {
        String table = PgStatement.identifier(alter.tableNameClause() == null ? "?" : alter.tableNameClause().getText());
        boolean fresh = createdTables.contains(table);
        LockMode strongest = null;
        for (RenameColumnSpecificationContext r : PgStatement.all(alter, RenameColumnSpecificationContext.class)) {
            strongest = LockMode.ACCESS_EXCLUSIVE.max(strongest);
            if (phase == MigrationPhase.EXPAND && !fresh) {
                at.find(r, MigrationRule.RENAMING_COLUMN, "RENAME COLUMN on " + table + " in an expand migration");
            }
        }
        for (RenameTableSpecificationContext r : PgStatement.all(alter, RenameTableSpecificationContext.class)) {
            strongest = LockMode.ACCESS_EXCLUSIVE.max(strongest);
            if (phase == MigrationPhase.EXPAND && !fresh) {
                at.find(r, MigrationRule.RENAMING_TABLE, "RENAME of table " + table + " in an expand migration");
            }
        }
        for (DropColumnSpecificationContext d : PgStatement.all(alter, DropColumnSpecificationContext.class)) {
            strongest = LockMode.ACCESS_EXCLUSIVE.max(strongest);
            if (phase == MigrationPhase.EXPAND && !fresh) {
                at.find(d, MigrationRule.DROPPING_COLUMN, "DROP COLUMN " + columnOf(d) + " on " + table + " in an expand migration");
            }
        }
        for (AddColumnSpecificationContext add : PgStatement.all(alter, AddColumnSpecificationContext.class)) {
            strongest = LockMode.ACCESS_EXCLUSIVE.max(strongest);
            if (!fresh) {
                addColumn(at, add, table);
            }
        }
        for (ModifyColumnSpecificationContext mod : PgStatement.all(alter, ModifyColumnSpecificationContext.class)) {
            strongest = LockMode.ACCESS_EXCLUSIVE.max(strongest);
            if (!fresh) {
                modifyColumn(at, mod, table);
            }
        }
        for (AddConstraintSpecificationContext c : PgStatement.all(alter, AddConstraintSpecificationContext.class)) {
            strongest = addConstraint(at, c, table, fresh).max(strongest);
        }
        for (ValidateConstraintSpecificationContext v : PgStatement.all(alter, ValidateConstraintSpecificationContext.class)) {
            Optional.ofNullable(notNullChecks.remove(PgStatement.identifier(v.constraintName().getText()))).ifPresent(provenNotNull::add);
            strongest = LockMode.SHARE_UPDATE_EXCLUSIVE.max(strongest);
        }
        // any other action (SET DEFAULT, OWNER, ...): ACCESS EXCLUSIVE unless proven weaker above
        return Expected.of(strongest == null ? LockMode.ACCESS_EXCLUSIVE : strongest, table);
    }

    private void modifyColumn(At at, ModifyColumnSpecificationContext mod, String table) {
        String column = columnOf(mod);
        if (PgStatement.hasToken(mod, PostgreSQLStatementParser.TYPE)) {
            at.find(mod, MigrationRule.CHANGING_COLUMN_TYPE, "ALTER COLUMN " + column + " TYPE on " + table);
        }
        if (PgStatement.hasToken(mod, PostgreSQLStatementParser.SET) && PgStatement.hasToken(mod, PostgreSQLStatementParser.NOT)
                && PgStatement.hasToken(mod, PostgreSQLStatementParser.NULL) && !provenNotNull.contains(table + "." + column)) {
            at.find(mod, MigrationRule.SETTING_NOT_NULL, "SET NOT NULL on " + table + "." + column
                    + " with no validated CHECK (" + column + " IS NOT NULL) before it in these migrations");
        }
    }

    private void addColumn(At at, AddColumnSpecificationContext add, String table) {
        String column = columnOf(add);
        String type = PgStatement.first(add, PostgreSQLStatementParser.DataTypeContext.class).map(t -> t.getText().toLowerCase(Locale.ROOT)).orElse("");
        boolean hasDefault = false;
        boolean notNull = false;
        for (ColumnConstraintOptionContext o : PgStatement.all(add, ColumnConstraintOptionContext.class)) {
            if (PgStatement.hasToken(o, PostgreSQLStatementParser.DEFAULT)) {
                hasDefault = true;
                for (PostgreSQLStatementParser.FuncNameContext f : PgStatement.all(o, PostgreSQLStatementParser.FuncNameContext.class)) {
                    String fn = PgStatement.identifier(f.getText());
                    String bare = fn.substring(fn.lastIndexOf('.') + 1);
                    if (VOLATILE.contains(bare)) {
                        at.find(o, MigrationRule.ADDING_VOLATILE_DEFAULT, "ADD COLUMN " + column + " on " + table + " with DEFAULT " + bare + "()");
                    }
                }
            }
            if (PgStatement.hasToken(o, PostgreSQLStatementParser.NOT) && PgStatement.hasToken(o, PostgreSQLStatementParser.NULL)) {
                notNull = true;
            }
            if (o.primaryKey() != null || PgStatement.hasToken(o, PostgreSQLStatementParser.UNIQUE)) {
                at.find(o, MigrationRule.DISALLOWED_UNIQUE_CONSTRAINT, "ADD COLUMN " + column + " on " + table + " with a "
                        + (o.primaryKey() != null ? "PRIMARY KEY" : "UNIQUE") + " constraint");
            }
        }
        if (SERIAL.contains(type)) {
            at.find(add, MigrationRule.ADDING_VOLATILE_DEFAULT, "ADD COLUMN " + column + " " + type + " on " + table + " (a serial fills every row from a sequence)");
        }
        if (notNull && !hasDefault && !SERIAL.contains(type)) {
            at.find(add, MigrationRule.ADDING_REQUIRED_FIELD, "ADD COLUMN " + column + " NOT NULL without a DEFAULT on " + table);
        }
    }

    private LockMode addConstraint(At at, AddConstraintSpecificationContext c, String table, boolean fresh) {
        boolean notValid = PgStatement.hasToken(c, PostgreSQLStatementParser.NOT) && PgStatement.hasToken(c, PostgreSQLStatementParser.VALID);
        Optional<PostgreSQLStatementParser.TableConstraintOptionContext> option = PgStatement.first(c,
                PostgreSQLStatementParser.TableConstraintOptionContext.class);
        String name = PgStatement.first(c, PostgreSQLStatementParser.ConstraintNameContext.class).map(n -> PgStatement.identifier(n.getText())).orElse("");
        if (option.isEmpty()) {
            return LockMode.ACCESS_EXCLUSIVE; // ADD CONSTRAINT ... USING INDEX: brief, the index exists already
        }
        PostgreSQLStatementParser.TableConstraintOptionContext o = option.get();
        if (o.checkOption() != null) {
            notNullCheck(o.checkOption()).ifPresent(col -> {
                if (notValid) {
                    notNullChecks.put(name, table + "." + col);
                } else {
                    provenNotNull.add(table + "." + col);
                }
            });
            if (!notValid && !fresh) {
                at.find(c, MigrationRule.CONSTRAINT_MISSING_NOT_VALID, "ADD CONSTRAINT " + name + " CHECK on " + table + " without NOT VALID");
            }
            return LockMode.ACCESS_EXCLUSIVE;
        }
        if (PgStatement.hasToken(o, PostgreSQLStatementParser.FOREIGN)) {
            if (!notValid && !fresh) {
                at.find(c, MigrationRule.CONSTRAINT_MISSING_NOT_VALID, "ADD CONSTRAINT " + name + " FOREIGN KEY on " + table + " without NOT VALID");
            }
            return LockMode.SHARE_ROW_EXCLUSIVE;
        }
        if ((o.primaryKey() != null || PgStatement.hasToken(o, PostgreSQLStatementParser.UNIQUE)) && !fresh) {
            at.find(c, MigrationRule.DISALLOWED_UNIQUE_CONSTRAINT, "ADD " + (o.primaryKey() != null ? "PRIMARY KEY" : "UNIQUE") + " on " + table
                    + " without USING INDEX");
        }
        return LockMode.ACCESS_EXCLUSIVE;
    }

    /** The column of a {@code CHECK (col IS NOT NULL)}, when that is all the check says. */
    private static Optional<String> notNullCheck(PostgreSQLStatementParser.CheckOptionContext check) {
        String text = check.aExpr() == null ? "" : check.aExpr().getText().toLowerCase(Locale.ROOT);
        String bare = text.startsWith("(") && text.endsWith(")") ? text.substring(1, text.length() - 1) : text;
        if (bare.endsWith("isnotnull") && bare.length() > "isnotnull".length()) {
            String col = bare.substring(0, bare.length() - "isnotnull".length());
            if (col.matches("[a-z_][a-z0-9_$]*|\"[^\"]+\"")) {
                return Optional.of(PgStatement.identifier(col));
            }
        }
        return Optional.empty();
    }

    private static String columnOf(ParserRuleContext ctx) {
        return PgStatement.first(ctx, PostgreSQLStatementParser.ColumnNameContext.class).map(c -> PgStatement.identifier(c.getText())).orElse("?");
    }

    /** SET lock_timeout / RESET lock_timeout in a file: turned off or raised above the database's lockTimeout. */
    private void lockTimeout(At at, ParserRuleContext setting) {
        String text = at.pg.textOf(setting).toLowerCase(Locale.ROOT).replaceAll("\\s+", " ");
        if (!text.contains("lock_timeout")) {
            return;
        }
        if (setting instanceof PostgreSQLStatementParser.ResetParameterContext || text.contains(" default")) {
            at.find(setting, MigrationRule.REQUIRE_LOCK_TIMEOUT, "this file resets lock_timeout to the server's default (usually none)");
            return;
        }
        Optional<PostgreSQLStatementParser.VarValueContext> value = PgStatement.first(setting, PostgreSQLStatementParser.VarValueContext.class);
        Optional<Duration> d = value.flatMap(v -> pgDuration(v.getText()));
        if (d.isEmpty()) {
            return;
        }
        if (d.get().isZero()) {
            at.find(setting, MigrationRule.REQUIRE_LOCK_TIMEOUT, "this file turns lock_timeout off (0)");
        } else if (d.get().compareTo(db.lockTimeout()) > 0) {
            at.find(setting, MigrationRule.REQUIRE_LOCK_TIMEOUT, "this file raises lock_timeout to " + value.get().getText()
                    + ", above the database's lockTimeout of " + db.lockTimeout().toMillis() + "ms");
        }
    }

    /** A PostgreSQL time setting as SET takes it: 0, 500 (milliseconds), '2s', '500ms', '1min'. */
    static Optional<Duration> pgDuration(String raw) {
        String v = raw.replace("'", "").trim().toLowerCase(Locale.ROOT);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]+(?:\\.[0-9]+)?)\\s*(ms|s|min|h|d)?").matcher(v);
        if (!m.matches()) {
            return Optional.empty();
        }
        double n = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "ms" : m.group(2);
        double ms = switch (unit) {
            case "s" -> n * 1000;
            case "min" -> n * 60_000;
            case "h" -> n * 3_600_000;
            case "d" -> n * 86_400_000;
            default -> n;
        };
        return Optional.of(Duration.ofMillis((long) ms));
    }

    private static boolean isSetting(PgStatement pg) {
        return pg.is(PostgreSQLStatementParser.SetContext.class) || pg.is(PostgreSQLStatementParser.ResetParameterContext.class);
    }

    /** The statement's first line without comments, shortened, for lists people scan. */
    static String summary(String sql) {
        StringBuilder out = new StringBuilder();
        for (String line : sql.split("\n")) {
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("--") || t.startsWith("/*")) {
                continue;
            }
            out.append(out.isEmpty() ? "" : " ").append(t);
            if (out.length() > 80) {
                break;
            }
        }
        String s = out.toString().replaceAll("\\s+", " ");
        return s.length() > 80 ? s.substring(0, 77) + "..." : s;
    }
}
