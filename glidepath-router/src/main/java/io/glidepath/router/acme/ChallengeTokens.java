package io.glidepath.router.acme;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The HTTP-01 tokens of the orders in progress: put by the ACME client, read by the event loops. */
final class ChallengeTokens implements Http01Responder {
    private final Map<String, String> byToken = new ConcurrentHashMap<>();

    void put(String token, String keyAuthorization) {
        byToken.put(token, keyAuthorization);
    }

    void remove(String token) {
        byToken.remove(token);
    }

    @Override
    public String keyAuthorization(String token) {
        return byToken.get(token);
    }
}
