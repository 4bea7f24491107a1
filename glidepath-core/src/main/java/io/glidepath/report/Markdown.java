package io.glidepath.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Writing Markdown (CommonMark with GitHub's tables) whose text comes from release files and journals:
 * every character Markdown would read as markup is escaped, and a line break inside a value becomes
 * " / ", so a reason or a command's output can neither open a link, an HTML tag or a heading, nor break
 * a table out of its row.
 */
final class Markdown {
    private final StringBuilder out = new StringBuilder();

    /**
     * Text as it is, every character escaped that Markdown reads as markup within a line ({@code \ ` * _ [ ] < | & ~}):
     * the text never starts a line (a heading's marks, a bullet or a table's bar come first), so what marks only
     * a line's start ({@code #}, {@code >}, {@code -}, {@code 1.}) stays as written, readable in the raw file.
     */
    static String text(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length() + 8);
        String flat = s.strip().replaceAll("\\s*(\\r\\n|\\r|\\n)\\s*", " / ");
        for (int i = 0; i < flat.length(); i++) {
            char c = flat.charAt(i);
            switch (c) {
                case '\\', '`', '*', '_', '[', ']', '<', '|', '&', '~' -> b.append('\\').append(c);
                default -> b.append(Character.isISOControl(c) ? ' ' : c);
            }
        }
        return b.toString();
    }

    Markdown heading(int level, String title) {
        blank();
        out.append("#".repeat(level)).append(' ').append(text(title)).append("\n\n");
        return this;
    }

    /** A line of Markdown the caller composed (its values already passed through {@link #text}). */
    Markdown line(String markdown) {
        out.append(markdown).append('\n');
        return this;
    }

    /** A bullet: its label in bold, then the value as text. */
    Markdown item(String label, String value) {
        out.append("- **").append(text(label)).append(":** ").append(text(value)).append('\n');
        return this;
    }

    Markdown blank() {
        if (!out.isEmpty() && !out.toString().endsWith("\n\n")) {
            out.append('\n');
        }
        return this;
    }

    /** A table; each cell is text (escaped here). */
    Table table(String... header) {
        return new Table(header);
    }

    final class Table {
        private final List<String> header;
        private final List<List<String>> rows = new ArrayList<>();

        private Table(String... header) {
            this.header = Arrays.asList(header);
        }

        Table row(String... cells) {
            if (cells.length != header.size()) {
                throw new IllegalArgumentException("a row of " + cells.length + " cells in a table of " + header.size() + " columns");
            }
            rows.add(Arrays.asList(cells));
            return this;
        }

        /** Writes the table (nothing when it has no row: say so before, in words). */
        Markdown end() {
            if (rows.isEmpty()) {
                return Markdown.this;
            }
            blank();
            write(header);
            out.append('|').append("---|".repeat(header.size())).append('\n');
            rows.forEach(this::write);
            out.append('\n');
            return Markdown.this;
        }

        private void write(List<String> cells) {
            out.append('|');
            cells.forEach(c -> out.append(' ').append(c == null || c.isEmpty() ? " " : text(c)).append(" |"));
            out.append('\n');
        }
    }

    @Override
    public String toString() {
        return out.toString().stripTrailing() + "\n";
    }
}
