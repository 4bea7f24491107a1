package io.glidepath.server.notify;

import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A webhook's HMAC key. It signs bodies and never shows itself: {@link #toString()} hides it, so a
 * webhook printed in a log or an assertion message does not leak it.
 */
public final class SigningKey {
    private static final String ALGORITHM = "HmacSHA256";
    private final byte[] key;

    public SigningKey(byte[] key) {
        if (key.length == 0) {
            throw new IllegalArgumentException("an HMAC key cannot be empty");
        }
        this.key = key.clone();
    }

    /** {@code sha256=<lowercase hex HMAC-SHA256(key, body)>}, the value of the signature header. */
    public String signature(byte[] body) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(key, ALGORITHM));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot compute " + ALGORITHM, e);
        }
    }

    @Override
    public String toString() {
        return "SigningKey(hidden)";
    }
}
