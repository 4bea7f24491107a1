package io.glidepath.router.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ByteProcessor;
import java.util.List;
import java.util.Queue;

/**
 * Netty's request decoder made strict where a proxy must be, against request smuggling: a request
 * with both Content-Length and Transfer-Encoding, or with obsolete line folding in its headers, comes
 * out as an invalid message (answered 400, connection closed) instead of being repaired. Differing
 * repeated Content-Length and invalid chunk sizes are already refused by Netty with the configuration
 * {@link #config}. The decoder also tells the response encoder each request's method, so that the
 * response to a HEAD is framed without a body.
 */
final class StrictRequestDecoder extends HttpRequestDecoder {
    static final int MAX_HEADER_BYTES = 16 * 1024;
    static final int MAX_LINE_BYTES = 8 * 1024;

    private final Queue<HttpMethod> methods;
    private final FoldScanner scanner = new FoldScanner();
    private boolean awaitingHead = true;
    private boolean rejected;

    StrictRequestDecoder(Queue<HttpMethod> methods) {
        super(config());
        this.methods = methods;
    }

    static HttpDecoderConfig config() {
        return new HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_LINE_BYTES)
                .setMaxHeaderSize(MAX_HEADER_BYTES)
                .setMaxChunkSize(16 * 1024)
                .setAllowDuplicateContentLengths(true) // identical repeats are folded into one; differing ones fail
                .setAllowPartialChunks(true);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
        if (rejected) {
            buffer.skipBytes(buffer.readableBytes());
            return;
        }
        if (awaitingHead) {
            scanner.reset();
            buffer.forEachByte(buffer.readerIndex(), buffer.readableBytes(), scanner);
            if (scanner.folded) {
                rejected = true;
                buffer.skipBytes(buffer.readableBytes());
                out.add(invalid(new IllegalArgumentException("obsolete line folding in a header")));
                methods.add(HttpMethod.GET);
                return;
            }
        }
        int start = buffer.readerIndex();
        int from = out.size();
        super.decode(ctx, buffer, out);
        int end = buffer.readerIndex();
        if (awaitingHead && end > start) {
            scanner.consumed(buffer, start, end);
        }
        for (int i = from; i < out.size(); i++) {
            Object o = out.get(i);
            if (o instanceof HttpMessage m) {
                awaitingHead = false;
                methods.add(m instanceof HttpRequest r ? r.method() : HttpMethod.GET);
                if (m.decoderResult().isFailure()) {
                    rejected = true;
                }
            }
            if (o instanceof LastHttpContent) {
                awaitingHead = true;
                scanner.newMessage();
            }
        }
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
        throw new IllegalArgumentException("both Content-Length and Transfer-Encoding are present");
    }

    private static HttpMessage invalid(Exception cause) {
        DefaultFullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_0, HttpMethod.GET, "/bad-request");
        r.setDecoderResult(DecoderResult.failure(cause));
        return r;
    }

    /**
     * Looks for a header line that starts with a space or tab (obsolete folding) in the part of a
     * request head not yet consumed by the decoder. It remembers across calls whether the request
     * line was consumed and whether the last consumed byte ended a line, since the decoder consumes
     * whole lines.
     */
    private static final class FoldScanner implements ByteProcessor {
        boolean initialLineConsumed;
        boolean lastConsumedWasLineEnd = true;
        // per scan
        boolean seenInitialLine;
        boolean atLineStart;
        boolean folded;

        void newMessage() {
            initialLineConsumed = false;
            lastConsumedWasLineEnd = true;
        }

        void reset() {
            seenInitialLine = initialLineConsumed;
            atLineStart = lastConsumedWasLineEnd;
            folded = false;
        }

        void consumed(ByteBuf buf, int start, int end) {
            if (!initialLineConsumed && buf.indexOf(start, end, (byte) '\n') >= 0) {
                initialLineConsumed = true;
            }
            lastConsumedWasLineEnd = buf.getByte(end - 1) == '\n';
        }

        @Override
        public boolean process(byte b) {
            if (atLineStart) {
                atLineStart = false;
                if (seenInitialLine) {
                    if (b == '\r' || b == '\n') {
                        return false; // the empty line: the head ends here
                    }
                    if (b == ' ' || b == '\t') {
                        folded = true;
                        return false;
                    }
                }
            }
            if (b == '\n') {
                seenInitialLine = true;
                atLineStart = true;
            }
            return true;
        }
    }
}
