package io.glidepath.cli.term;

import java.io.Console;
import java.io.PrintStream;
import java.lang.reflect.Method;

/**
 * Where user-facing output goes and whether it is a terminal. Live progress rewrites one line on a
 * terminal and prints plain lines otherwise (logs, CI, pipes).
 */
public final class Terminal {
    private final PrintStream out;
    private final boolean tty;
    private boolean liveLineShown;

    public Terminal(PrintStream out, boolean tty) {
        this.out = out;
        this.tty = tty;
    }

    /** The process's stdout, live only when it is an interactive terminal (and TERM is not dumb). */
    public static Terminal stdout() {
        return new Terminal(System.out, isInteractive());
    }

    public static Terminal stderr() {
        return new Terminal(System.err, isInteractive());
    }

    static boolean isInteractive() {
        Console c = System.console();
        if (c == null || "dumb".equals(System.getenv("TERM"))) {
            return false;
        }
        try {
            // JDK 22+ returns a console even when redirected; isTerminal() tells the truth there
            Method isTerminal = Console.class.getMethod("isTerminal");
            return (Boolean) isTerminal.invoke(c);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }

    public boolean isTty() {
        return tty;
    }

    /** A permanent line (clears a live line first). */
    public synchronized void line(String text) {
        clearLive();
        out.println(text);
        out.flush();
    }

    /** The live status: rewritten in place on a terminal; on anything else, printed as a plain line. */
    public synchronized void live(String text) {
        if (tty) {
            out.print("\r\033[2K" + text);
            liveLineShown = true;
        } else {
            out.println(text);
        }
        out.flush();
    }

    /** Text as it is (escape sequences included), for a caller that draws its own block. */
    public synchronized void raw(String text) {
        out.print(text);
        out.flush();
    }

    public synchronized void clearLive() {
        if (tty && liveLineShown) {
            out.print("\r\033[2K");
            liveLineShown = false;
        }
    }

    public String bold(String s) {
        return tty ? "\033[1m" + s + "\033[0m" : s;
    }

    public String green(String s) {
        return tty ? "\033[32m" + s + "\033[0m" : s;
    }

    public String red(String s) {
        return tty ? "\033[31m" + s + "\033[0m" : s;
    }

    public String dim(String s) {
        return tty ? "\033[2m" + s + "\033[0m" : s;
    }

    /** A weight bar: {@code [#####...............]}, 20 cells wide. */
    public String bar(double fraction) {
        int cells = 20;
        int full = (int) Math.round(Math.max(0, Math.min(1, fraction)) * cells);
        String on = tty ? "█" : "#";
        String off = tty ? "░" : ".";
        return "[" + on.repeat(full) + off.repeat(cells - full) + "]";
    }
}
