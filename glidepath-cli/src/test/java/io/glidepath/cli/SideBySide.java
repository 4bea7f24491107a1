package io.glidepath.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Scenarios run at the same time (each with its own data directory), at most {@code parallelism} at once,
 * every failure reported, each under its name.
 */
final class SideBySide {
    private SideBySide() {
    }

    static void run(String what, int parallelism, Map<String, Callable<Void>> scenarios) throws InterruptedException {
        Map<String, Throwable> failures = new LinkedHashMap<>();
        try (ExecutorService ex = Executors.newFixedThreadPool(Math.min(parallelism, scenarios.size()))) {
            Map<String, Future<Void>> running = new LinkedHashMap<>();
            scenarios.forEach((name, scenario) -> running.put(name, ex.submit(scenario)));
            for (var r : running.entrySet()) {
                try {
                    r.getValue().get();
                } catch (ExecutionException e) {
                    failures.put(r.getKey(), e.getCause());
                }
            }
        }
        if (!failures.isEmpty()) {
            // the names and the start of each failure in the message itself: a build's summary shows only the message
            StringBuilder m = new StringBuilder(what + " scenarios failed: " + String.join(", ", failures.keySet()) + " (each one's failure is attached)");
            failures.forEach((name, e) -> m.append("\n  ").append(name).append(": ").append(start(String.valueOf(e.getMessage()))));
            AssertionError failed = new AssertionError(m.toString());
            failures.forEach((name, e) -> failed.addSuppressed(new AssertionError(name + ": " + e.getMessage(), e)));
            throw failed;
        }
    }

    /** An assertion's message starts with its description: the first 1,500 characters, on one line (enough for a journal). */
    private static String start(String message) {
        String line = message.strip().replaceAll("\\s+", " ");
        return line.length() > 1500 ? line.substring(0, 1500) + "..." : line;
    }
}
