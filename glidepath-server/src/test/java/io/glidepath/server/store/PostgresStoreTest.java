package io.glidepath.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.glidepath.journal.ReleaseEvent;
import io.glidepath.testkit.postgres.EmbeddedPostgresExtension;
import io.glidepath.testkit.postgres.EmbeddedPostgresExtension.TestPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The store contract on a real PostgreSQL, and what only a database server brings: passwords, lost connections. */
@ExtendWith(EmbeddedPostgresExtension.class)
class PostgresStoreTest extends StoreContractTest {
    static TestPostgres postgres;

    @BeforeAll
    static void postgres(TestPostgres pg) {
        postgres = pg;
    }

    @Override
    StoreUrl newStore() {
        // the password as a user would pass it with the URL kept off the command line
        return StoreUrl.parse(postgres.newDatabaseUrl(), Optional.of(TestPostgres.PASSWORD));
    }

    @Test
    void thePasswordMayBeWrittenInTheUrlAndIsNeverShown() {
        String written = postgres.newDatabaseUrl() + "&password=" + TestPostgres.PASSWORD + "&ApplicationName=glidepath";
        StoreUrl parsed = StoreUrl.parse(written, Optional.empty());
        assertThat(parsed.url()).doesNotContain(TestPostgres.PASSWORD).endsWith("?user=glidepath&ApplicationName=glidepath");
        try (JdbcStore s = JdbcStore.open(parsed)) {
            s.createRelease(release("r1", T));
            assertThat(s.url().toString()).doesNotContain(TestPostgres.PASSWORD);
        }
    }

    @Test
    void aWrongPasswordStopsTheOpenNamingTheStoreButNotThePassword() {
        StoreUrl wrong = StoreUrl.parse(postgres.newDatabaseUrl() + "&password=not-" + TestPostgres.PASSWORD, Optional.empty());
        assertThatThrownBy(() -> JdbcStore.open(wrong)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot open the store " + wrong.url())
                .hasMessageContaining("password authentication failed")
                .hasMessageContaining(StoreUrl.PASSWORD_ENV)
                .hasMessageNotContaining(TestPostgres.PASSWORD);
    }

    @Test
    void anUnreachableDatabaseStopsTheOpenSayingWhatToCheck() {
        int closed = closedPort();
        StoreUrl nowhere = StoreUrl.parse("jdbc:postgresql://127.0.0.1:" + closed + "/glidepath?user=glidepath&password=" + TestPostgres.PASSWORD,
                Optional.empty());
        assertThatThrownBy(() -> JdbcStore.open(nowhere)).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("cannot open the store jdbc:postgresql://127.0.0.1:" + closed + "/glidepath?user=glidepath: ")
                .hasMessageContaining("refused")
                .hasMessageContaining("check that PostgreSQL runs there")
                .hasMessageNotContaining(TestPostgres.PASSWORD);
    }

    @Test
    void aLostConnectionFailsTheCallInProgressAndTheNextCallReconnects() {
        try (JdbcStore s = open()) {
            s.createRelease(release("r1", T));
            postgres.superuser("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'glidepath' AND datname = '"
                    + s.url().url().replaceAll(".*/([^/?]+)\\?.*", "$1") + "'");
            assertThatThrownBy(() -> s.append("r1", new ReleaseEvent.Note(T, null, "lost"))).isInstanceOf(IllegalStateException.class);
            assertThat(s.append("r1", new ReleaseEvent.Note(T, null, "again"))).isEqualTo(1);
            assertThat(s.events("r1", 0)).extracting(e -> e.event().message()).containsExactly("again");
        }
    }

    /** A loopback port nothing listens on (one that was free a moment ago). */
    private static int closedPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
