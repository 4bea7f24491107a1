package io.glidepath.server.access;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The server's tokens: its own (the server.token file, role admin, for the CLI on this host) and
 * the named ones in the store. Tokens are random 256-bit strings kept only as SHA-256 digests; a
 * presented token is digested and compared with every active digest in constant time, with no early
 * exit, so neither a token nor which one matched leaks through timing.
 */
public final class Tokens {
    /** The name under which the server's own token (server.token) appears in the audit log. */
    public static final String SERVER_TOKEN_NAME = "server.token";
    public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");
    public static final String NAME_RULE = "a token name is 1 to 63 characters: lower-case letters, digits, '.', '_' or '-', starting with a letter or digit";
    private static final String PREFIX = "gpt_";

    private final AccessStore store;
    private final byte[] serverToken;
    private final SecureRandom random = new SecureRandom();
    private volatile List<Active> active;

    private record Active(byte[] digest, TokenRecord token) {
    }

    public Tokens(AccessStore store, String serverToken) {
        this.store = store;
        this.serverToken = sha256(serverToken.strip());
        reload();
    }

    /** A token just made: the only time its secret is seen. */
    public record Issued(TokenRecord record, String secret) {
    }

    /** Thrown for a name that is malformed or taken, or a role that does not exist. */
    public static final class Refused extends Exception {
        private final int status;
        private final String pointer;

        Refused(int status, String pointer, String message) {
            super(message);
            this.status = status;
            this.pointer = pointer;
        }

        public int status() {
            return status;
        }

        public String pointer() {
            return pointer;
        }
    }

    /** The caller an {@code Authorization} header proves, if any. */
    public Optional<Caller> authenticate(String authorizationHeader, String user) {
        if (authorizationHeader == null || !authorizationHeader.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        byte[] presented = sha256(authorizationHeader.substring(7).strip());
        Caller found = null;
        if (MessageDigest.isEqual(serverToken, presented)) {
            found = new Caller(SERVER_TOKEN_NAME, Role.ADMIN, user);
        }
        for (Active t : active) {
            // every digest is compared, whatever matched before
            if (MessageDigest.isEqual(t.digest(), presented) && found == null) {
                found = new Caller(t.token().name(), t.token().role(), user);
            }
        }
        return Optional.ofNullable(found);
    }

    public synchronized Issued issue(String name, Role role, String by, Instant now) throws Refused {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new Refused(400, "/name", NAME_RULE);
        }
        if (name.equals(SERVER_TOKEN_NAME)) {
            throw new Refused(409, "/name", "'" + SERVER_TOKEN_NAME + "' is the server's own token; choose another name");
        }
        byte[] raw = new byte[32];
        random.nextBytes(raw);
        String secret = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        TokenRecord rec = new TokenRecord(name, role, HexFormat.of().formatHex(sha256(secret)), now, by, Optional.empty());
        if (!store.createToken(rec)) {
            TokenRecord old = store.tokens().stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
            throw new Refused(409, "/name", "a token named '" + name + "' " + old.revoked().map(r -> "existed (revoked " + r + ")").orElse("exists")
                    + "; names are never reused, choose another");
        }
        reload();
        return new Issued(rec, secret);
    }

    /** Revokes at once: the next call with that token gets 401. */
    public synchronized TokenRecord revoke(String name, Instant now) throws Refused {
        if (SERVER_TOKEN_NAME.equals(name)) {
            throw new Refused(400, null, "the server's own token cannot be revoked through the API; replace its file and restart the server");
        }
        Optional<TokenRecord> t = store.tokens().stream().filter(x -> x.name().equals(name)).findFirst();
        if (t.isEmpty()) {
            throw new Refused(404, null, "no token named '" + name + "'; glidepath token list shows them");
        }
        if (t.get().revoked().isPresent()) {
            throw new Refused(409, null, "token '" + name + "' was already revoked " + t.get().revoked().get());
        }
        store.revokeToken(name, now);
        reload();
        return new TokenRecord(name, t.get().role(), t.get().digest(), t.get().created(), t.get().createdBy(), Optional.of(now));
    }

    public List<TokenRecord> all() {
        return store.tokens();
    }

    private void reload() {
        active = store.tokens().stream().filter(TokenRecord::active).map(t -> new Active(HexFormat.of().parseHex(t.digest()), t)).toList();
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
