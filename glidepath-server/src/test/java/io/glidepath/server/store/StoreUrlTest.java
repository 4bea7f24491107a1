package io.glidepath.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StoreUrlTest {

    @Test
    void aPostgresqlUrlKeepsItsPasswordApartFromWhatIsShown() {
        StoreUrl u = StoreUrl.parse(" jdbc:postgresql://db.internal:5432/glidepath?user=gp&password=hunter%262&sslmode=require ", Optional.of("from-env"));
        assertThat(u.dialect()).isEqualTo(Dialect.POSTGRESQL);
        assertThat(u.url()).isEqualTo("jdbc:postgresql://db.internal:5432/glidepath?user=gp&sslmode=require");
        assertThat(u.toString()).isEqualTo(u.url());
        assertThat(u.password()).as("the URL's own, decoded, before the environment's").contains("hunter&2");
    }

    @Test
    void withoutAPasswordInTheUrlTheEnvironmentsIsTaken() {
        assertThat(StoreUrl.parse("jdbc:postgresql://localhost/glidepath?user=gp", Optional.of("from-env")).password()).contains("from-env");
        assertThat(StoreUrl.parse("jdbc:postgresql://localhost/glidepath?user=gp", Optional.of("")).password()).isEmpty();
        StoreUrl onlyPassword = StoreUrl.parse("jdbc:postgresql://localhost/glidepath?password=x", Optional.empty());
        assertThat(onlyPassword.url()).isEqualTo("jdbc:postgresql://localhost/glidepath");
        assertThat(onlyPassword.password()).contains("x");
    }

    @Test
    void aSqliteUrlNamesAFile() {
        StoreUrl u = StoreUrl.parse("jdbc:sqlite:data/g.db", Optional.of("ignored"));
        assertThat(u.dialect()).isEqualTo(Dialect.SQLITE);
        assertThat(u.url()).isEqualTo("jdbc:sqlite:" + Path.of("data/g.db").toAbsolutePath());
        assertThat(u.password()).isEmpty();
        assertThat(StoreUrl.sqlite(Path.of("/srv/g.db")).url()).isEqualTo("jdbc:sqlite:/srv/g.db");
    }

    @Test
    void aBadUrlIsRefusedWithTheFormsAcceptedAndNeverItsPassword() {
        assertThatThrownBy(() -> StoreUrl.parse("postgres://gp:hunter2@db/glidepath", Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown store postgres://gp:***@db/glidepath: write jdbc:postgresql://HOST:PORT/DB?user=USER (password in "
                        + "$GLIDEPATH_STORE_PASSWORD) or jdbc:sqlite:PATH");
        assertThatThrownBy(() -> StoreUrl.parse("jdbc:postgresql://gp:hunter2@db/glidepath", Optional.empty()))
                .hasMessageStartingWith("the store jdbc:postgresql://gp:***@db/glidepath has user:password@ in it")
                .hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> StoreUrl.parse("jdbc:postgresql://db:port/glidepath?password=hunter2", Optional.empty()))
                .hasMessage("the store jdbc:postgresql://db:port/glidepath?password=*** is not a PostgreSQL JDBC URL the driver can read: "
                        + "write jdbc:postgresql://HOST:PORT/DB?user=USER");
        assertThatThrownBy(() -> StoreUrl.parse("jdbc:sqlite:", Optional.empty())).hasMessageContaining("names no file");
        assertThatThrownBy(() -> StoreUrl.parse("jdbc:sqlite::memory:", Optional.empty())).hasMessageContaining("names no file");
        assertThatThrownBy(() -> StoreUrl.parse("", Optional.empty())).hasMessageStartingWith("the store URL is empty: write jdbc:postgresql://");
    }

    @Test
    void masksPasswordsWhereverAUrlCarriesThem() {
        assertThat(StoreUrl.mask("jdbc:postgresql://h/db?user=u&password=p1&x=1&PASSWORD=p2")).isEqualTo("jdbc:postgresql://h/db?user=u&password=***&x=1&PASSWORD=***");
        assertThat(StoreUrl.mask("jdbc:postgresql://u:p@h/db")).isEqualTo("jdbc:postgresql://u:***@h/db");
        assertThat(StoreUrl.mask("jdbc:postgresql://h/db?user=u")).isEqualTo("jdbc:postgresql://h/db?user=u");
    }
}
