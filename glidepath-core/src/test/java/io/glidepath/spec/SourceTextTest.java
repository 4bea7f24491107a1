package io.glidepath.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files and bytes before YAML sees them: size first, then strict UTF-8, then characters YAML allows, each refusal located. */
class SourceTextTest {
    @TempDir
    Path dir;

    static String only(InvalidSpecException e) {
        assertThat(e.errors()).hasSize(1);
        return e.errors().get(0).toString();
    }

    @Test
    void aFileOverTheLimitIsRefusedByItsSizeAsTheServerWould() throws Exception {
        Path big = dir.resolve("big.yaml");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(53_000_000); // sparse: what matters is the size the file declares
        }
        assertThatThrownBy(() -> SourceText.read(big, ReleaseLimits.STANDARD)).isInstanceOfSatisfying(InvalidSpecException.class,
                e -> assertThat(only(e)).isEqualTo(big + ":1:1: the file is 53000000 bytes, over the limit of 4 MiB (4194304 bytes), the largest "
                        + "release the server accepts; ship fewer services per release, or move long values (smoke bodies, env) out of the file"));
    }

    @Test
    void aStreamThatNeverEndsIsReadOnlyToJustPastTheLimit() {
        Path zero = Path.of("/dev/zero");
        assumeThat(Files.isReadable(zero)).isTrue();
        assertThatThrownBy(() -> SourceText.read(zero, ReleaseLimits.STANDARD)).isInstanceOfSatisfying(InvalidSpecException.class,
                e -> assertThat(only(e)).startsWith("/dev/zero:1:1: the file is over the limit of 4 MiB (4194304 bytes)"));
    }

    @Test
    void bytesThatAreNotUtf8AreRefusedAtTheirLineAndColumn() throws Exception {
        Path f = dir.resolve("latin1.yaml");
        Files.write(f, "services:\n  - name: caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> SourceText.read(f, ReleaseLimits.STANDARD)).isInstanceOfSatisfying(InvalidSpecException.class,
                e -> assertThat(only(e)).isEqualTo(f + ":2:14: the file is not UTF-8 text: byte 0xE9 at offset 23 cannot be read; "
                        + "is this a binary file? Save the file as UTF-8 (YAML or JSON)"));
    }

    @Test
    void aBinaryFileIsRefusedAtItsFirstByte() {
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13};
        assertThatThrownBy(() -> SourceText.decode("logo.png", png, ReleaseLimits.STANDARD)).isInstanceOfSatisfying(InvalidSpecException.class,
                e -> assertThat(only(e)).startsWith("logo.png:1:1: the file is not UTF-8 text: byte 0x89 at offset 0"));
        byte[] zeros = "services: []\n\0\0\0".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> SourceText.decode("r.yaml", zeros, ReleaseLimits.STANDARD)).isInstanceOfSatisfying(InvalidSpecException.class,
                e -> assertThat(only(e)).startsWith("r.yaml:2:1: the file holds a NUL character (U+0000): is this a binary file?"));
    }

    @Test
    void goodTextComesBackAsItWas() throws Exception {
        String text = "# caf\u00e9 \u2615 \ud83d\ude80\r\nservices: []\n";
        Path f = dir.resolve("ok.yaml");
        Files.writeString(f, text);
        assertThat(SourceText.read(f, ReleaseLimits.STANDARD)).isEqualTo(text);
    }

    @Test
    void linesEndingInCarriageReturnsAreCountedAsYamlCountsThem() {
        assertThatThrownBy(() -> SourceText.check("r.yaml", "a: 1\r\nb: 2\rc: \u0001", ReleaseLimits.STANDARD))
                .isInstanceOfSatisfying(InvalidSpecException.class, e -> assertThat(only(e)).startsWith("r.yaml:3:4: the file holds the character U+0001"));
    }
}
