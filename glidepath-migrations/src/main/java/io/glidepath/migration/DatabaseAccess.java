package io.glidepath.migration;

import io.glidepath.spec.DatabaseSpec;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import java.util.Properties;

/**
 * How Glidepath reaches a release's database: the file's JDBC URL, the password from the environment
 * variable it names (never from the file, never logged), and an {@code application_name} saying
 * which Glidepath step is connected.
 */
public record DatabaseAccess(DatabaseSpec db, Map<String, String> env) {

    public Connection connect(String applicationName) throws MigrationSetupException {
        return connect(db.url(), applicationName);
    }

    /** A connection to another database of the same server (the scratch database), with the same user and password. */
    Connection connectTo(String databaseName, String applicationName) throws MigrationSetupException {
        return connect(withDatabase(db.url(), databaseName), applicationName);
    }

    private Connection connect(String url, String applicationName) throws MigrationSetupException {
        Properties p = new Properties();
        if (db.passwordEnv().isPresent()) {
            String password = env.get(db.passwordEnv().get());
            if (password == null) {
                throw new MigrationSetupException("database '" + db.name() + "' (" + db.location() + "): the environment variable "
                        + db.passwordEnv().get() + " that passwordEnv names is not set where Glidepath runs; set it to the database password");
            }
            p.setProperty("password", password);
        }
        p.setProperty("ApplicationName", applicationName);
        p.setProperty("connectTimeout", "10");
        try {
            return DriverManager.getConnection(url, p);
        } catch (SQLException e) {
            throw new MigrationSetupException("database '" + db.name() + "' (" + db.location() + "): cannot connect to " + url + ": "
                    + e.getMessage(), e);
        }
    }

    /** The URL with its database name replaced: jdbc:postgresql://host:port/NAME?params. */
    static String withDatabase(String url, String databaseName) {
        String prefix = "jdbc:postgresql://";
        int slash = url.indexOf('/', prefix.length());
        int q = url.indexOf('?');
        String hosts = slash < 0 ? (q < 0 ? url : url.substring(0, q)) : url.substring(0, slash);
        String query = q < 0 ? "" : url.substring(q);
        return hosts + "/" + databaseName + query;
    }
}
