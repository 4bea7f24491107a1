package io.glidepath.server.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.journal.EventJson;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A test's reader of one server-sent event stream: each event with its arrival time; closing it hangs up. */
final class SseClient implements AutoCloseable {
    record Event(String id, String name, String data, long arrivedNanos) {
        JsonNode json() {
            try {
                return EventJson.MAPPER.readTree(data);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    final int status;
    final List<Event> events = new CopyOnWriteArrayList<>();
    private final InputStream body;
    private final Thread reader;

    private SseClient(HttpResponse<InputStream> resp) {
        this.status = resp.statusCode();
        this.body = resp.body();
        this.reader = Thread.ofVirtual().name("sse-client").start(this::read);
    }

    static SseClient open(HttpClient http, URI uri, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).header("Accept", "text/event-stream");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return new SseClient(http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream()));
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            String id = null;
            String name = "message";
            StringBuilder data = new StringBuilder();
            for (String line; (line = in.readLine()) != null; ) {
                if (line.isEmpty()) {
                    if (!data.isEmpty()) {
                        events.add(new Event(id, name, data.toString(), System.nanoTime()));
                    }
                    id = null;
                    name = "message";
                    data.setLength(0);
                } else if (line.startsWith("id: ")) {
                    id = line.substring(4);
                } else if (line.startsWith("event: ")) {
                    name = line.substring(7);
                } else if (line.startsWith("data: ")) {
                    data.append(line.substring(6));
                }
            }
        } catch (IOException e) {
            // hung up (close) or the server ended the stream
        }
    }

    List<JsonNode> json() {
        return events.stream().map(Event::json).toList();
    }

    @Override
    public void close() throws Exception {
        body.close();
        reader.join(5_000);
    }
}
