package io.glidepath.router.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/** Responses the router makes itself: short plain-text bodies that say what happened. */
final class LocalResponses {
    private LocalResponses() {
    }

    /** {@code text} as the whole body, nothing added (an ACME challenge's answer). */
    static FullHttpResponse exactly(ByteBufAllocator alloc, HttpResponseStatus status, String contentType, String text, boolean keepAlive) {
        ByteBuf body = alloc.buffer(text.length());
        body.writeCharSequence(text, StandardCharsets.US_ASCII);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        r.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, contentType)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        if (!keepAlive) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return r;
    }

    static FullHttpResponse of(ByteBufAllocator alloc, HttpResponseStatus status, String message, boolean keepAlive) {
        ByteBuf body = alloc.buffer(message.length() + 16);
        body.writeCharSequence("glidepath: " + message + "\n", StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        r.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        if (!keepAlive) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        if (status.code() == 503) {
            r.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
        }
        return r;
    }
}
