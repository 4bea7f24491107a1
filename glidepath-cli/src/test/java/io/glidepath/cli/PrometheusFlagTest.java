package io.glidepath.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code glidepath up|server --prometheus URL}: a URL that is not one stops the command before it starts anything, and never echoes credentials. */
class PrometheusFlagTest {
    @TempDir
    Path dir;
    @RegisterExtension
    final ConsoleCapture console = new ConsoleCapture();

    @Test
    void aPrometheusUrlThatIsNotOneIsRefusedWithoutItsCredentials() {
        Path data = dir.resolve("data");
        assertThat(Main.run("up", "--data-dir", data.toString(), "--prometheus", "127.0.0.1:9090")).isEqualTo(Main.INVALID_INPUT);
        assertThat(console.err.toString()).contains("--prometheus must start with http:// or https://, such as http://127.0.0.1:9090");
        assertThat(Main.run("server", "--data-dir", data.toString(), "--prometheus", "http://ops:s3cret@127.0.0.1:9090/?x=1"))
                .isEqualTo(Main.INVALID_INPUT);
        assertThat(console.err.toString()).contains("--prometheus must be Prometheus's base URL without a query or fragment").doesNotContain("s3cret");
        assertThat(data.resolve("run")).doesNotExist();
    }
}
