package io.glidepath.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Scenarios run at the same time (each with its own data directory), every failure reported, each under its name. */
final class SideBySide {
    private SideBySide() {
    }

    static void run(String what, Map<String, Callable<Void>> scenarios) throws InterruptedException {
        AssertionError failed = new AssertionError("a " + what + " scenario failed (each one's failure is attached)");
        try (ExecutorService ex = Executors.newFixedThreadPool(scenarios.size())) {
            Map<String, Future<Void>> running = new LinkedHashMap<>();
            scenarios.forEach((name, scenario) -> running.put(name, ex.submit(scenario)));
            for (var r : running.entrySet()) {
                try {
                    r.getValue().get();
                } catch (ExecutionException e) {
                    failed.addSuppressed(new AssertionError(r.getKey() + ": " + e.getCause().getMessage(), e.getCause()));
                }
            }
        }
        if (failed.getSuppressed().length > 0) {
            throw failed;
        }
    }
}
