package io.glidepath.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Captures what a test's own thread (and the threads it starts) prints to System.out and System.err
 * (commands run in-process print there). Other threads' output goes on to the real streams: a test
 * class running beside this one (junit-platform.properties) must not end up in its capture.
 */
final class ConsoleCapture implements BeforeEachCallback, AfterEachCallback {
    /** The capture of the current thread, inherited by the threads it starts; none outside a capturing test. */
    private static final InheritableThreadLocal<ByteArrayOutputStream[]> CAPTURE = new InheritableThreadLocal<>();
    private static boolean installed;

    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Override
    public void beforeEach(ExtensionContext context) {
        install();
        CAPTURE.set(new ByteArrayOutputStream[] {out, err});
    }

    @Override
    public void afterEach(ExtensionContext context) {
        CAPTURE.remove();
    }

    /** Once per JVM: System.out and System.err route each write to the writing thread's capture, or to the real stream. */
    private static synchronized void install() {
        if (!installed) {
            System.setOut(new PrintStream(new Routing(System.out, 0), true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(new Routing(System.err, 1), true, StandardCharsets.UTF_8));
            installed = true;
        }
    }

    private static final class Routing extends OutputStream {
        private final PrintStream real;
        private final int which;

        Routing(PrintStream real, int which) {
            this.real = real;
            this.which = which;
        }

        private OutputStream target() {
            ByteArrayOutputStream[] c = CAPTURE.get();
            return c == null ? real : c[which];
        }

        @Override
        public void write(int b) throws IOException {
            target().write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            target().write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            target().flush();
        }
    }
}
