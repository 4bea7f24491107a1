package io.glidepath.cli.sample;

import io.glidepath.examples.SampleService;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/** {@code glidepath sample-service}: the example service shipped in the jar, for demos and trials. */
@Command(name = "sample-service", hidden = true, description = "Runs the sample HTTP service (settings as --name=value or environment).")
public final class SampleServiceCommand implements Callable<Integer> {
    /** Settings such as --port=9001 --version=v2 --error-rate=5%, passed to the service as they are. */
    @Unmatched
    String[] settings = new String[0];

    @Override
    public Integer call() throws Exception {
        SampleService.main(settings);
        return 0;
    }
}
