package io.glidepath.cli.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirProcessTest {
    @TempDir
    Path root;

    @Test
    void aKilledProcessWaitingToBeReapedIsNotRunning() throws Exception {
        // the shell becomes `sleep 120`, which never reaps its child `sleep 60`: killed, that child stays a zombie
        Process parent = new ProcessBuilder("sh", "-c", "sleep 60 & exec sleep 120").start();
        try {
            await().atMost(Duration.ofSeconds(5)).until(() -> parent.children().findAny().isPresent());
            ProcessHandle child = parent.children().findFirst().orElseThrow();
            DataDir dir = DataDir.of(root);
            dir.writePid("router", child.pid());
            assertThat(dir.process("router")).contains(child);

            child.destroyForcibly();
            await().atMost(Duration.ofSeconds(5)).until(() -> zombie(child.pid()));
            assertThat(child.isAlive()).as("the JDK still counts a zombie as alive").isTrue();
            assertThat(DataDir.running(child)).isFalse();
            assertThat(dir.process("router")).as("so up starts a new one at once").isEmpty();
        } finally {
            parent.destroyForcibly();
            parent.waitFor();
        }
    }

    private static boolean zombie(long pid) throws Exception {
        List<String> fields = List.of(Files.readString(Path.of("/proc/" + pid + "/stat")).replaceAll(".*\\) ", "").split(" "));
        return fields.getFirst().equals("Z");
    }
}
