package io.glidepath.server.api;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** The server's policy refuses a submission (a closed deploy window; an override the caller may not give): its status and answer. */
final class PolicyRefusal extends Exception {
    private final int status;
    private final ObjectNode body;

    PolicyRefusal(int status, String message, ObjectNode body) {
        super(message, null, false, false);
        this.status = status;
        this.body = body.put("error", message);
    }

    int status() {
        return status;
    }

    ObjectNode body() {
        return body;
    }
}
