package io.glidepath.cli.proc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassDataSharingTest {
    @TempDir
    Path dir;

    @Test
    void withoutTheLaunchersDirectoryChildrenStartAsBefore() {
        assertThat(ClassDataSharing.flags("router", Map.of(), "1")).isEmpty();
        assertThat(ClassDataSharing.flags("router", Map.of(ClassDataSharing.DIR_ENV, dir.toString()), "1")).as("no jar tag").isEmpty();
        assertThat(ClassDataSharing.flags("router", Map.of(ClassDataSharing.DIR_ENV, dir.resolve("gone").toString(), ClassDataSharing.TAG_ENV, "1.2"), "1")).isEmpty();
    }

    @Test
    void aChildWithNoArchiveYetWritesOneOfItsOwnAtExitForTheLauncherToPublish() {
        assertThat(ClassDataSharing.flags("router", Map.of(ClassDataSharing.DIR_ENV, dir.toString(), ClassDataSharing.TAG_ENV, "1764224000.29495172"), "42-7"))
                .containsExactly("-XX:ArchiveClassesAtExit=" + dir.resolve("router.jsa.1764224000.29495172-42-7.tmp"), "-Xlog:cds*=off");
    }

    @Test
    void aChildMapsThePublishedArchiveOfItsKind() throws Exception {
        Files.writeString(dir.resolve("server.jsa"), "an archive");
        assertThat(ClassDataSharing.flags("server", Map.of(ClassDataSharing.DIR_ENV, dir.toString(), ClassDataSharing.TAG_ENV, "1.2"), "1"))
                .containsExactly("-XX:SharedArchiveFile=" + dir.resolve("server.jsa"), "-Xlog:cds*=off");
        assertThat(ClassDataSharing.flags("router", Map.of(ClassDataSharing.DIR_ENV, dir.toString(), ClassDataSharing.TAG_ENV, "1.2"), "1").getFirst())
                .as("each kind its own").startsWith("-XX:ArchiveClassesAtExit=");
    }
}
