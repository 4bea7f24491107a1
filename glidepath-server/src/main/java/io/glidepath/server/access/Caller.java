package io.glidepath.server.access;

/**
 * Who is calling: the token's name and role, and the person the client says it acts for (the CLI
 * sends the OS user; a claim, recorded next to the token's name, never trusted for access).
 */
public record Caller(String token, Role role, String user) {

    /** The name releases are recorded under: the person when the server's own token is used, else the token's name. */
    public String who() {
        return token.equals(Tokens.SERVER_TOKEN_NAME) && user != null ? user : token;
    }
}
