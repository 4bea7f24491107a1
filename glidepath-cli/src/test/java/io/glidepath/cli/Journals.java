package io.glidepath.cli;

import io.glidepath.cli.client.ServerClient;
import io.glidepath.cli.local.DataDir;
import io.glidepath.journal.EventJson;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;

/** A release's journal as the crash tests read it: through the server's API, or from the store file while no server runs. */
final class Journals {
    private Journals() {
    }

    static List<String> messages(ServerClient api, String id) throws Exception {
        List<String> m = new ArrayList<>();
        api.events(id, 0).path("events").forEach(e -> m.add(e.path("message").asText()));
        return m;
    }

    /** Plain JDBC on the SQLite store: opening it as a store would migrate it. */
    static List<String> messages(DataDir dir, String id) throws Exception {
        List<String> m = new ArrayList<>();
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + dir.server().resolve("glidepath.db"));
             var ps = c.prepareStatement("SELECT json FROM events WHERE release_id = ? ORDER BY seq")) {
            ps.setString(1, id);
            try (var rs = ps.executeQuery()) {
                while (rs.next()) {
                    m.add(EventJson.read(rs.getString(1)).message());
                }
            }
        }
        return m;
    }
}
