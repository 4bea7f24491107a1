package io.glidepath.cli.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.cli.local.DataDir;
import io.glidepath.journal.EventJson;
import io.glidepath.server.api.ServerApi;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Iterator;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** The CLI's client of the server API: a thin layer over HTTP, with the errors a user can act on. */
public final class ServerClient {
    private final URI base;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(3)).build();

    /** The server could not be reached. */
    public static final class Unreachable extends Exception {
        public Unreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The server answered with an error status; {@code body} is its JSON answer. */
    public static final class ApiError extends Exception {
        private final int status;
        private final JsonNode body;

        public ApiError(int status, JsonNode body) {
            super(body.path("error").asText("HTTP " + status));
            this.status = status;
            this.body = body;
        }

        public int status() {
            return status;
        }

        public JsonNode body() {
            return body;
        }
    }

    public ServerClient(URI base, String token) {
        this.base = base;
        this.token = token;
    }

    /** The environment variable holding a named token (glidepath token create) to use instead of the server's own token file. */
    public static final String TOKEN_ENV = "GLIDEPATH_TOKEN";

    /**
     * A client for the server that {@code glidepath up} started in this data directory, with the token
     * from $GLIDEPATH_TOKEN when set, else the server's own token file.
     */
    public static ServerClient of(DataDir dir) throws Unreachable {
        var e = dir.endpoints().orElseThrow(() -> new Unreachable("Glidepath is not running here (no " + dir.run().resolve("endpoints.json")
                + "); start it with: glidepath up", null));
        String fromEnv = System.getenv(TOKEN_ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return new ServerClient(URI.create("http://" + e.api()), fromEnv.strip());
        }
        try {
            return new ServerClient(URI.create("http://" + e.api()), Files.readString(dir.serverToken()).strip());
        } catch (IOException ex) {
            throw new Unreachable("cannot read the server token " + dir.serverToken() + ": " + ex.getMessage(), ex);
        }
    }

    /** Submits a release; with {@code queue}, it waits behind a release holding its services instead of being refused. */
    public JsonNode submit(String file, String baseDir, String user, String text, boolean queue) throws Unreachable, ApiError {
        return send(request("/v1/releases" + (queue ? "?queue=true" : "")).header(ServerApi.FILE_HEADER, file).header(ServerApi.BASE_DIR_HEADER, baseDir)
                .header(ServerApi.USER_HEADER, user).header("Content-Type", "application/yaml")
                .POST(HttpRequest.BodyPublishers.ofString(text, StandardCharsets.UTF_8)));
    }

    /**
     * Submits a release; with {@code queue}, it waits behind a release holding its services instead of being refused; with
     * {@code overrideReason}, it goes out in a closed deploy window (an admin token's call; journaled and audited).
     */
    public JsonNode submit(String file, String baseDir, String user, String text, boolean queue, String overrideReason) throws Unreachable, ApiError {
        if (overrideReason == null) {
            return submit(file, baseDir, user, text, queue);
        }
        String query = "?overrideWindow=true&reason=" + java.net.URLEncoder.encode(overrideReason, StandardCharsets.UTF_8) + (queue ? "&queue=true" : "");
        return send(request("/v1/releases" + query).header(ServerApi.FILE_HEADER, file).header(ServerApi.BASE_DIR_HEADER, baseDir)
                .header(ServerApi.USER_HEADER, user).header("Content-Type", "application/yaml")
                .POST(HttpRequest.BodyPublishers.ofString(text, StandardCharsets.UTF_8)));
    }

    /** What the server's policy says of a release file now: deploy windows, approvals, evidence checks, what it forbids. */
    public JsonNode assess(String file, String baseDir, String text) throws Unreachable, ApiError {
        return send(request("/v1/policy/assess").header(ServerApi.FILE_HEADER, file).header(ServerApi.BASE_DIR_HEADER, baseDir)
                .header("Content-Type", "application/yaml").POST(HttpRequest.BodyPublishers.ofString(text, StandardCharsets.UTF_8)));
    }

    /** Approves a release waiting for approval (a named token, not the submitter's). */
    public JsonNode approve(String id, String user, String reason) throws Unreachable, ApiError {
        String body = reason == null ? "" : EventJson.MAPPER.createObjectNode().put("reason", reason).toString();
        return send(request("/v1/releases/" + id + "/approve").header(ServerApi.USER_HEADER, user).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    public JsonNode release(String id) throws Unreachable, ApiError {
        return send(request("/v1/releases/" + id).GET());
    }

    public JsonNode releases(int limit, String service) throws Unreachable, ApiError {
        return send(request("/v1/releases?limit=" + limit + (service == null ? "" : "&service=" + service)).GET());
    }

    public JsonNode events(String id, long after) throws Unreachable, ApiError {
        return send(request("/v1/releases/" + id + "/events?after=" + after).GET());
    }

    /** A release's sign-off report as JSON. */
    public JsonNode report(String id) throws Unreachable, ApiError {
        return send(request("/v1/releases/" + id + "/report").GET());
    }

    /** A release's sign-off report as the server writes it in Markdown. */
    public String reportMarkdown(String id) throws Unreachable, ApiError {
        HttpResponse<String> r = exchange(request("/v1/releases/" + id + "/report?format=markdown").header("Accept", "text/markdown").GET());
        if (r.statusCode() >= 400) {
            throw new ApiError(r.statusCode(), parse(r.body()));
        }
        return r.body();
    }

    public JsonNode promote(String id, String user) throws Unreachable, ApiError {
        return send(request("/v1/releases/" + id + "/promote").header(ServerApi.USER_HEADER, user).POST(HttpRequest.BodyPublishers.noBody()));
    }

    public JsonNode abort(String id, String user) throws Unreachable, ApiError {
        return send(request("/v1/releases/" + id + "/abort").header(ServerApi.USER_HEADER, user).POST(HttpRequest.BodyPublishers.noBody()));
    }

    public JsonNode services() throws Unreachable, ApiError {
        return send(request("/v1/services").GET());
    }

    public JsonNode createToken(String name, String role) throws Unreachable, ApiError {
        String body = EventJson.MAPPER.createObjectNode().put("name", name).put("role", role).toString();
        return send(request("/v1/tokens").header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    public JsonNode tokens() throws Unreachable, ApiError {
        return send(request("/v1/tokens").GET());
    }

    public JsonNode revokeToken(String name) throws Unreachable, ApiError {
        return send(request("/v1/tokens/" + name).DELETE());
    }

    public JsonNode audit(int limit) throws Unreachable, ApiError {
        return send(request("/v1/audit?limit=" + limit).GET());
    }

    public JsonNode health() throws Unreachable, ApiError {
        return send(request("/v1/health").GET());
    }

    /**
     * Follows a release's events (server-sent events) from {@code after}, calling {@code onEvent}
     * with each (JSON with its {@code seq}) until it returns false or the stream ends.
     */
    public void follow(String id, long after, Predicate<JsonNode> onEvent) throws Unreachable, ApiError {
        HttpRequest req = HttpRequest.newBuilder(base.resolve("/v1/releases/" + id + "/stream"))
                .header("Authorization", "Bearer " + token).header("Accept", "text/event-stream")
                .header("Last-Event-ID", String.valueOf(after)).GET().build();
        HttpResponse<Stream<String>> resp;
        try {
            resp = http.send(req, HttpResponse.BodyHandlers.ofLines());
        } catch (IOException e) {
            throw new Unreachable("the server at " + base + " is unreachable: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (resp.statusCode() >= 400) {
            String body = String.join("\n", resp.body().toList());
            throw new ApiError(resp.statusCode(), parse(body));
        }
        try (Stream<String> lines = resp.body()) {
            StringBuilder data = new StringBuilder();
            for (Iterator<String> it = lines.iterator(); it.hasNext(); ) {
                String line = it.next();
                if (line.startsWith("data: ")) {
                    data.append(line, 6, line.length());
                } else if (line.isEmpty() && !data.isEmpty()) {
                    JsonNode event = parse(data.toString());
                    data.setLength(0);
                    if (!onEvent.test(event)) {
                        return;
                    }
                }
            }
        } catch (java.io.UncheckedIOException e) {
            throw new Unreachable("lost the server at " + base + ": " + e.getMessage(), e);
        }
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + token);
    }

    private JsonNode send(HttpRequest.Builder b) throws Unreachable, ApiError {
        HttpResponse<String> r = exchange(b);
        JsonNode body = parse(r.body());
        if (r.statusCode() >= 400) {
            throw new ApiError(r.statusCode(), body);
        }
        return body;
    }

    private HttpResponse<String> exchange(HttpRequest.Builder b) throws Unreachable {
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new Unreachable("the server at " + base + " is unreachable (" + e.getClass().getSimpleName() + "); is it running? glidepath status", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unreachable("interrupted", e);
        }
    }

    private static JsonNode parse(String text) {
        try {
            return EventJson.MAPPER.readTree(text);
        } catch (IOException e) {
            return EventJson.MAPPER.createObjectNode().put("error", text);
        }
    }
}
