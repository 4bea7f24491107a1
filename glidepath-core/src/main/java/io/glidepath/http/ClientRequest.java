package io.glidepath.http;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A request for {@link HttpConnection}: method, request target, headers in order, optional body. */
public record ClientRequest(String method, String target, List<Map.Entry<String, String>> headers, byte[] body) {

    public ClientRequest {
        headers = List.copyOf(headers);
        body = body == null ? new byte[0] : body;
    }

    public static ClientRequest get(String target) {
        return new ClientRequest("GET", target, List.of(), null);
    }

    public ClientRequest withHeader(String name, String value) {
        List<Map.Entry<String, String>> h = new ArrayList<>(headers);
        h.add(Map.entry(name, value));
        return new ClientRequest(method, target, h, body);
    }

    public ClientRequest withBody(String method, String text) {
        return new ClientRequest(method, target, headers, text.getBytes(StandardCharsets.UTF_8));
    }
}
