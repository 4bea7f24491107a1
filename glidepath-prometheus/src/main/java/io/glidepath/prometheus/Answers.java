package io.glidepath.prometheus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the answers of Prometheus's instant-query API ({@code /api/v1/query}): an instant vector (its
 * samples, none when no series matched) or a scalar; anything else, and every error Prometheus or
 * whatever stands in its place answers, becomes a {@link QueryFailed} that says what happened.
 */
final class Answers {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Answers() {
    }

    /** One series' value at the query's time, with its labels (they name the series in messages). */
    record Sample(Map<String, String> labels, double value) {
    }

    /** Why a query gave no usable answer, in words for the journal. */
    static final class QueryFailed extends Exception {
        QueryFailed(String message) {
            super(message);
        }
    }

    /** The samples of an answer with HTTP status {@code status} and body {@code body}. */
    static List<Sample> parse(int status, byte[] body) throws QueryFailed {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (java.io.IOException e) { // JacksonException included: not JSON
            root = null;
        }
        if (root == null || !root.isObject()) {
            throw new QueryFailed(status / 100 == 2 ? "answered something other than Prometheus's JSON (is the URL Prometheus's?)"
                    : "answered HTTP " + status + (status == 401 || status == 403 ? " (check the credentials in the server's --prometheus URL)" : ""));
        }
        if ("error".equals(root.path("status").asText())) {
            String type = root.path("errorType").asText("");
            String error = root.path("error").asText("no message");
            throw new QueryFailed(switch (type) {
                case "bad_data" -> "refused the query: " + error;
                case "timeout", "canceled" -> "gave up on the query (" + type + "): " + error;
                default -> "could not run the query (" + (type.isEmpty() ? "HTTP " + status : type) + "): " + error;
            });
        }
        if (!"success".equals(root.path("status").asText()) || status / 100 != 2) {
            throw new QueryFailed("answered HTTP " + status + " without a result");
        }
        JsonNode data = root.path("data");
        String type = data.path("resultType").asText();
        return switch (type) {
            case "vector" -> {
                List<Sample> samples = new ArrayList<>();
                for (JsonNode r : data.path("result")) {
                    Map<String, String> labels = new LinkedHashMap<>();
                    r.path("metric").fields().forEachRemaining(f -> labels.put(f.getKey(), f.getValue().asText()));
                    samples.add(new Sample(labels, value(r.path("value"))));
                }
                yield samples;
            }
            case "scalar" -> List.of(new Sample(Map.of(), value(data.path("result"))));
            case "matrix" -> throw new QueryFailed("returned a range vector: a query gives one value per track and window, such as "
                    + "sum(increase(x[{{window}}])), not x[{{window}}]");
            default -> throw new QueryFailed("returned a result of type '" + type + "' where a number was expected");
        };
    }

    /** A sample's {@code [time, "value"]}; Prometheus writes NaN, +Inf and -Inf as such. */
    private static double value(JsonNode pair) throws QueryFailed {
        String v = pair.path(1).asText(null);
        if (v == null) {
            throw new QueryFailed("answered a sample without a value");
        }
        return switch (v) {
            case "NaN" -> Double.NaN;
            case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> {
                try {
                    yield Double.parseDouble(v);
                } catch (NumberFormatException e) {
                    throw new QueryFailed("answered a value that is not a number: " + v);
                }
            }
        };
    }
}
