package io.glidepath.cli.demo;

import io.glidepath.cli.Main;
import io.glidepath.cli.options.DurationConverter;
import io.glidepath.cli.term.Terminal;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code glidepath demo}: the main job, end to end, on this machine, leaving nothing behind. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Runs glidepath up, then under steady load ships a sample service four times: v1 (first deployment),",
                "v2 by canary, v3 by canary turning bad after its smoke tests (rolled back by itself), v4 by blue-green;",
                "then the shop of examples/shop (four services, one release each): v1, v2 wave by wave, and v3 whose inventory",
                "breaks the new gateway in the last wave (the whole release flips back); then, on a PostgreSQL it starts itself,",
                "the inventory of examples/inventory: a column renamed as expand/contract under read and write load, and a",
                "release whose blocking index the migration gate refuses. Live progress, then a table per",
                "release and the totals (failed requests must be 0). Leaves nothing running."})
public final class DemoCommand implements Callable<Integer> {
    enum Output { TEXT, JSON }

    @Option(names = "--clients", defaultValue = "16", description = "Concurrent keep-alive clients (default ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--rate", defaultValue = "300", description = "Requests per second in total (default ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--bake", defaultValue = "4s", converter = DurationConverter.class,
            description = "How long each canary step bakes (default ${DEFAULT-VALUE}).")
    Duration step;

    @Option(names = "--output", defaultValue = "text", description = "text or json (totals as JSON on stdout; progress on stderr).")
    Output output;

    @Option(names = "--keep-files", description = "Keep the demo's working directory (logs, router state) instead of deleting it.")
    boolean keepFiles;

    @Override
    public Integer call() throws Exception {
        if (clients < 1 || clients > 1024) {
            System.err.println("glidepath demo: --clients must be between 1 and 1024, got " + clients);
            return Main.INVALID_INPUT;
        }
        if (rate < 1 || rate > 100_000) {
            System.err.println("glidepath demo: --rate must be between 1 and 100000 requests per second, got " + rate);
            return Main.INVALID_INPUT;
        }
        if (step.toMillis() < 2000 || step.toMinutes() > 10) {
            System.err.println("glidepath demo: --bake must be between 2s and 10m, got " + step.toMillis() + "ms");
            return Main.INVALID_INPUT;
        }
        Terminal term = output == Output.JSON ? Terminal.stderr() : Terminal.stdout();
        java.io.PrintStream progress = output == Output.JSON ? System.err : System.out;
        DeployDemo.Result r = new DeployDemo(term, progress, clients, rate, step, keepFiles).run();
        if (output == Output.JSON) {
            System.out.println(r.toJson());
        }
        return r.ok() ? Main.OK : Main.FAILED;
    }
}
