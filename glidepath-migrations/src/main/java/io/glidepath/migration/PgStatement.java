package io.glidepath.migration;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.antlr.v4.runtime.BaseErrorListener;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.CommonTokenStream;
import org.antlr.v4.runtime.ParserRuleContext;
import org.antlr.v4.runtime.RecognitionException;
import org.antlr.v4.runtime.Recognizer;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.atn.PredictionMode;
import org.antlr.v4.runtime.tree.ParseTree;
import org.antlr.v4.runtime.tree.TerminalNode;
import org.apache.shardingsphere.sql.parser.autogen.PostgreSQLStatementLexer;
import org.apache.shardingsphere.sql.parser.autogen.PostgreSQLStatementParser;

/**
 * One SQL statement parsed on PostgreSQL's grammar (ShardingSphere's ANTLR grammar for PostgreSQL),
 * with the few questions the linter asks of its tree: which rules it holds, whether a keyword is
 * among a rule's own tokens, the names it mentions. A statement the grammar cannot read has no tree
 * and says why ({@link #unreadable()}).
 */
final class PgStatement {
    private final String sql;
    private final ParserRuleContext root;
    private final Optional<String> unreadable;

    private PgStatement(String sql, ParserRuleContext root, Optional<String> unreadable) {
        this.sql = sql;
        this.root = root;
        this.unreadable = unreadable;
    }

    static PgStatement parse(String sql) {
        String readable = dollarQuotesAsStrings(sql);
        PostgreSQLStatementLexer lexer = new PostgreSQLStatementLexer(CharStreams.fromString(readable));
        PostgreSQLStatementParser parser = new PostgreSQLStatementParser(new CommonTokenStream(lexer));
        List<String> errors = new ArrayList<>();
        BaseErrorListener collect = new BaseErrorListener() {
            @Override
            public void syntaxError(Recognizer<?, ?> r, Object offending, int line, int column, String msg, RecognitionException e) {
                if (errors.isEmpty()) {
                    errors.add("line " + line + " column " + (column + 1) + ": " + (msg.length() > 160 ? msg.substring(0, 160) + "..." : msg));
                }
            }
        };
        lexer.removeErrorListeners();
        parser.removeErrorListeners();
        lexer.addErrorListener(collect);
        parser.addErrorListener(collect);
        // SLL first (fast), LL only when SLL cannot decide, as ANTLR's docs advise for large grammars
        parser.getInterpreter().setPredictionMode(PredictionMode.SLL);
        ParserRuleContext tree;
        try {
            tree = parser.execute();
        } catch (RuntimeException e) {
            tree = null;
        }
        if (tree == null || !errors.isEmpty()) {
            errors.clear();
            lexer = new PostgreSQLStatementLexer(CharStreams.fromString(readable));
            parser = new PostgreSQLStatementParser(new CommonTokenStream(lexer));
            lexer.removeErrorListeners();
            parser.removeErrorListeners();
            lexer.addErrorListener(collect);
            parser.addErrorListener(collect);
            tree = parser.execute();
        }
        return errors.isEmpty() ? new PgStatement(sql, tree, Optional.empty()) : new PgStatement(sql, null, Optional.of(errors.get(0)));
    }

    /**
     * PostgreSQL's dollar-quoted strings ({@code $$ ... $$}, {@code $body$ ... $body$}), which the grammar
     * does not take, as ordinary string literals of the same length, so that positions stay where they were.
     */
    static String dollarQuotesAsStrings(String sql) {
        StringBuilder out = new StringBuilder(sql);
        int i = 0;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            if (c == '\'' || c == '"') {
                int end = sql.indexOf(c, i + 1);
                i = end < 0 ? sql.length() : end + 1;
            } else if (c == '-' && sql.startsWith("--", i)) {
                int end = sql.indexOf('\n', i);
                i = end < 0 ? sql.length() : end + 1;
            } else if (c == '/' && sql.startsWith("/*", i)) {
                int end = sql.indexOf("*/", i + 2);
                i = end < 0 ? sql.length() : end + 2;
            } else if (c == '$' && (i == 0 || !Character.isLetterOrDigit(sql.charAt(i - 1)) && sql.charAt(i - 1) != '_')) {
                int close = i + 1;
                while (close < sql.length() && (Character.isLetterOrDigit(sql.charAt(close)) || sql.charAt(close) == '_')) {
                    close++;
                }
                if (close < sql.length() && sql.charAt(close) == '$') {
                    String tag = sql.substring(i, close + 1);
                    int end = sql.indexOf(tag, close + 1);
                    if (end < 0) {
                        return sql; // unterminated: the grammar will say so
                    }
                    int stop = end + tag.length();
                    for (int k = i; k < stop; k++) {
                        if (out.charAt(k) != '\n') {
                            out.setCharAt(k, 'x');
                        }
                    }
                    out.setCharAt(i, '\'');
                    out.setCharAt(stop - 1, '\'');
                    i = stop;
                } else {
                    i++;
                }
            } else {
                i++;
            }
        }
        return out.toString();
    }

    String sql() {
        return sql;
    }

    Optional<String> unreadable() {
        return unreadable;
    }

    /** The statement's kind: the grammar rule under {@code execute}, such as {@code createIndex}. */
    Optional<ParserRuleContext> statement() {
        if (root == null) {
            return Optional.empty();
        }
        for (int i = 0; i < root.getChildCount(); i++) {
            if (root.getChild(i) instanceof ParserRuleContext c) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    boolean is(Class<? extends ParserRuleContext> kind) {
        return statement().filter(kind::isInstance).isPresent();
    }

    /** Every node of {@code kind} under {@code from}, in order. */
    static <T extends ParserRuleContext> List<T> all(ParseTree from, Class<T> kind) {
        List<T> out = new ArrayList<>();
        collect(from, kind, out);
        return out;
    }

    static <T extends ParserRuleContext> Optional<T> first(ParseTree from, Class<T> kind) {
        List<T> all = all(from, kind);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(0));
    }

    private static <T extends ParserRuleContext> void collect(ParseTree node, Class<T> kind, List<T> out) {
        if (kind.isInstance(node)) {
            out.add(kind.cast(node));
        }
        for (int i = 0; i < node.getChildCount(); i++) {
            collect(node.getChild(i), kind, out);
        }
    }

    /** True when {@code node}'s own tokens (not its sub-rules') include the keyword {@code type}. */
    static boolean hasToken(ParserRuleContext node, int type) {
        for (int i = 0; i < node.getChildCount(); i++) {
            if (node.getChild(i) instanceof TerminalNode t && t.getSymbol().getType() == type) {
                return true;
            }
        }
        return false;
    }

    /** True when any token under {@code node} is the keyword {@code type}. */
    static boolean hasTokenDeep(ParseTree node, int type) {
        if (node instanceof TerminalNode t) {
            return t.getSymbol().getType() == type;
        }
        for (int i = 0; i < node.getChildCount(); i++) {
            if (hasTokenDeep(node.getChild(i), type)) {
                return true;
            }
        }
        return false;
    }

    /** The text of {@code node} as written (with its spacing), for messages. */
    String textOf(ParserRuleContext node) {
        Token a = node.getStart();
        Token b = node.getStop();
        if (a == null || b == null || b.getStopIndex() < a.getStartIndex()) {
            return node.getText();
        }
        return sql.substring(a.getStartIndex(), Math.min(sql.length(), b.getStopIndex() + 1));
    }

    /** A name as PostgreSQL folds it: unquoted identifiers lower-cased, quoted ones as written. */
    static String identifier(String text) {
        StringBuilder out = new StringBuilder();
        for (String part : text.split("\\.")) {
            if (!out.isEmpty()) {
                out.append('.');
            }
            out.append(part.startsWith("\"") && part.endsWith("\"") && part.length() >= 2
                    ? part.substring(1, part.length() - 1) : part.toLowerCase(Locale.ROOT));
        }
        return out.toString();
    }

    /** The line (1-based, within the statement's text) of its first token, past any leading comments. */
    int firstTokenLine() {
        return root == null || root.getStart() == null ? 1 : root.getStart().getLine();
    }
}
