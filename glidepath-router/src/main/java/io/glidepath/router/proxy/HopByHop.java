package io.glidepath.router.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.Iterator;
import java.util.Map;

/**
 * Removes the headers that belong to one connection (RFC 9110 7.6.1) before a message crosses the
 * proxy. Framing headers (Content-Length, Transfer-Encoding) and Host are never removed, even when a
 * Connection header names them: that trick would let a client change how the backend frames a body.
 *
 * <p>Every message passes here twice (request and response): one pass over its headers finds which
 * hop-by-hop ones it has, and only those are removed, rather than a lookup for each name it might have.
 */
final class HopByHop {
    /** Removed from every message; {@link #CONNECTION} and {@link #UPGRADE} are handled apart. */
    private static final AsciiString[] ALWAYS = {HttpHeaderNames.KEEP_ALIVE, HttpHeaderNames.PROXY_CONNECTION,
            HttpHeaderNames.TE, HttpHeaderNames.TRAILER, HttpHeaderNames.PROXY_AUTHORIZATION, HttpHeaderNames.PROXY_AUTHENTICATE};
    private static final int CONNECTION = 1 << ALWAYS.length;
    private static final int UPGRADE = CONNECTION << 1;

    private HopByHop() {
    }

    /** True for a request or response that switches protocols (WebSocket): Connection: upgrade plus Upgrade. */
    static boolean isUpgrade(HttpHeaders h) {
        return h.contains(HttpHeaderNames.UPGRADE) && h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true);
    }

    static void strip(HttpHeaders h, boolean keepUpgrade) {
        int present = 0;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = h.iteratorCharSequence(); it.hasNext(); ) {
            present |= flag(it.next().getKey());
        }
        if ((present & CONNECTION) != 0) {
            for (Iterator<String> values = h.valueStringIterator(HttpHeaderNames.CONNECTION); values.hasNext(); ) {
                removeNamedIn(h, values.next(), keepUpgrade);
            }
            h.remove(HttpHeaderNames.CONNECTION);
        }
        for (int i = 0; i < ALWAYS.length; i++) {
            if ((present & (1 << i)) != 0) {
                h.remove(ALWAYS[i]);
            }
        }
        if (keepUpgrade) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        } else if ((present & UPGRADE) != 0) {
            h.remove(HttpHeaderNames.UPGRADE);
        }
    }

    /** The bit of a hop-by-hop header name, 0 for any other. */
    private static int flag(CharSequence name) {
        int n = name.length();
        if (n == HttpHeaderNames.CONNECTION.length() && HttpHeaderNames.CONNECTION.contentEqualsIgnoreCase(name)) {
            return CONNECTION;
        }
        if (n == HttpHeaderNames.UPGRADE.length() && HttpHeaderNames.UPGRADE.contentEqualsIgnoreCase(name)) {
            return UPGRADE;
        }
        for (int i = 0; i < ALWAYS.length; i++) {
            if (n == ALWAYS[i].length() && ALWAYS[i].contentEqualsIgnoreCase(name)) {
                return 1 << i;
            }
        }
        return 0;
    }

    /** Removes the headers a Connection header's value names (its comma-separated tokens), but never framing headers or Host. */
    private static void removeNamedIn(HttpHeaders h, String value, boolean keepUpgrade) {
        int n = value.length();
        int i = 0;
        while (i < n) {
            int end = value.indexOf(',', i);
            if (end < 0) {
                end = n;
            }
            int from = i;
            int to = end;
            while (from < to && value.charAt(from) <= ' ') { // as String.trim()
                from++;
            }
            while (to > from && value.charAt(to - 1) <= ' ') {
                to--;
            }
            if (to > from) {
                String t = value.substring(from, to);
                if (!isProtected(t) && !(keepUpgrade && t.equalsIgnoreCase("upgrade")) && flag(t) == 0) {
                    h.remove(t); // the names in the hop-by-hop list go anyway, found or not
                }
            }
            i = end + 1;
        }
    }

    private static boolean isProtected(String name) {
        return HttpHeaderNames.CONTENT_LENGTH.contentEqualsIgnoreCase(name)
                || HttpHeaderNames.TRANSFER_ENCODING.contentEqualsIgnoreCase(name)
                || HttpHeaderNames.HOST.contentEqualsIgnoreCase(name);
    }
}
