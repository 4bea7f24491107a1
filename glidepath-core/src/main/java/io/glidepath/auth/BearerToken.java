package io.glidepath.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * A bearer token for an API (the router's admin API, the server's API). Kept only as a SHA-256 digest in memory; presented tokens are
 * digested and compared in constant time, so neither content nor length leaks through timing.
 */
public final class BearerToken {
    private final byte[] digest;

    private BearerToken(String token) {
        this.digest = sha256(token);
    }

    public static BearerToken of(String token) {
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("the admin token is empty");
        }
        return new BearerToken(token.strip());
    }

    /**
     * Reads the token from {@code file}; when the file does not exist and {@code create} is set,
     * writes a new random token there first, readable by its owner only.
     */
    public static BearerToken loadOrCreate(Path file, boolean create) throws IOException {
        if (!Files.exists(file)) {
            if (!create) {
                throw new IOException("admin token file " + file + " does not exist");
            }
            byte[] raw = new byte[32];
            new SecureRandom().nextBytes(raw);
            String token = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
            Files.createDirectories(file.toAbsolutePath().getParent());
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(file, token + "\n", StandardCharsets.UTF_8);
            } catch (FileAlreadyExistsException raced) {
                // another process made it between our check and create: use theirs
            }
        }
        String token = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (token.isEmpty()) {
            throw new IOException("admin token file " + file + " is empty");
        }
        return new BearerToken(token);
    }

    /** Does the {@code Authorization} header value carry this token? */
    public boolean accepts(String authorizationHeader) {
        if (authorizationHeader == null || !authorizationHeader.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        return MessageDigest.isEqual(digest, sha256(authorizationHeader.substring(7).strip()));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
