package io.glidepath.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code glidepath up --webhooks FILE}: a bad file stops it before it starts anything, every error located. */
class UpWebhooksTest {
    @TempDir
    Path dir;
    @RegisterExtension
    final ConsoleCapture console = new ConsoleCapture();
    final ByteArrayOutputStream out = console.out;
    final ByteArrayOutputStream err = console.err;

    @Test
    void aBadWebhooksFileStopsUpBeforeAnythingStarts() throws Exception {
        Path hooks = dir.resolve("hooks.yaml");
        Files.writeString(hooks, """
                webhooks:
                  - name: team
                    url: https://hooks.example.com/x
                    secretFile: team.secret
                    event: [promoted]
                """);
        Path data = dir.resolve("data");
        assertThat(Main.run("up", "--data-dir", data.toString(), "--webhooks", hooks.toString())).isEqualTo(Main.INVALID_INPUT);
        assertThat(err.toString()).isEqualTo("glidepath up: the webhooks file " + hooks + " has 2 errors:\n"
                + "  " + hooks + ":4:17: webhooks[0].secretFile: no such file: " + dir.resolve("team.secret") + " (relative to " + dir
                + "); put the webhook's HMAC key in it, for example: head -c 32 /dev/urandom | base64 > " + dir.resolve("team.secret") + "\n"
                + "  " + hooks + ":5:5: webhooks[0].event: unknown field \"event\"; did you mean \"events\"?\n");
        assertThat(data.resolve("run")).doesNotExist();
    }
}
