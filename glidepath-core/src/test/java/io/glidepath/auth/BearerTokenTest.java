package io.glidepath.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BearerTokenTest {
    @TempDir
    Path dir;

    @Test
    void acceptsOnlyTheExactBearerToken() {
        BearerToken t = BearerToken.of("s3cret-token");
        assertThat(t.accepts("Bearer s3cret-token")).isTrue();
        assertThat(t.accepts("bearer s3cret-token")).isTrue();
        assertThat(t.accepts("Bearer s3cret-toke")).isFalse();
        assertThat(t.accepts("Bearer s3cret-token2")).isFalse();
        assertThat(t.accepts("Basic s3cret-token")).isFalse();
        assertThat(t.accepts("s3cret-token")).isFalse();
        assertThat(t.accepts(null)).isFalse();
        assertThat(t.accepts("Bearer ")).isFalse();
    }

    @Test
    void createsARandomTokenOnceAndReadsItAfterwards() throws Exception {
        Path f = dir.resolve("sub/admin.token");
        BearerToken first = BearerToken.loadOrCreate(f, true);
        String written = Files.readString(f).strip();
        assertThat(first.accepts("Bearer " + written)).isTrue();
        BearerToken second = BearerToken.loadOrCreate(f, true);
        assertThat(second.accepts("Bearer " + written)).isTrue();
        assertThat(Files.readString(f).strip()).isEqualTo(written);
        Path other = dir.resolve("other.token");
        BearerToken.loadOrCreate(other, true);
        assertThat(Files.readString(other).strip()).isNotEqualTo(written);
    }

    @Test
    void aNamedTokenFileMustExistAndHoldAToken() throws Exception {
        assertThatThrownBy(() -> BearerToken.loadOrCreate(dir.resolve("missing"), false)).hasMessageContaining("does not exist");
        Files.writeString(dir.resolve("empty"), "\n");
        assertThatThrownBy(() -> BearerToken.loadOrCreate(dir.resolve("empty"), false)).hasMessageContaining("is empty");
    }
}
