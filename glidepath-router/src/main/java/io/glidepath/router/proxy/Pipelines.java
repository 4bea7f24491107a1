package io.glidepath.router.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The handlers of a client connection, by protocol. Every connection starts with a
 * {@link ConnectionGate} (counted against the limit, closed on shutdown), then finds out what it
 * speaks: over TLS from ALPN ({@link TlsSwitch}); in clear text from its first bytes, HTTP/2's
 * connection preface (prior knowledge, as gRPC clients and {@code curl --http2-prior-knowledge} send)
 * or anything else as HTTP/1.x ({@link PlainSwitch}). HTTP/1 gets {@link ClientTimeouts}, the strict
 * codec and a {@link FrontendHandler}; HTTP/2 gets Netty's frame codec with a multiplexer that gives
 * each stream a child channel of its own, carrying HTTP/1-style messages to a {@link FrontendHandler}
 * in stream mode: each request is one {@link Exchange}, whatever the protocol.
 */
final class Pipelines {
    private static final Logger log = LoggerFactory.getLogger(Pipelines.class);
    /** Streams open at once per HTTP/2 connection (nginx: 128, HAProxy: 100). */
    static final int MAX_CONCURRENT_STREAMS = 128;
    /** Per stream and connection receive window: a 64 KiB default would hold uploads back on any link with latency. */
    static final int WINDOW = 1024 * 1024;

    private Pipelines() {
    }

    /** After the protocol is known: HTTP/1.x. */
    static void http1(ChannelPipeline p, ProxyContext px, boolean secure) {
        FrontendHandler front = new FrontendHandler(px, secure, false);
        // the deadlines (head, body, idle) and the one-message-per-read hand-over live in these two handlers, on the
        // connection's loop: Netty's IdleStateHandler and FlowControlHandler cost a listener per write and a hop per message
        p.addLast(front.timeouts())
                .addLast(new FrontendCodec())
                .addLast(front);
    }

    /** After the protocol is known: HTTP/2, a stream per request. */
    static void http2(ChannelPipeline p, ProxyContext px, boolean secure) {
        Http2Settings settings = Http2Settings.defaultSettings()
                .maxConcurrentStreams(MAX_CONCURRENT_STREAMS)
                .initialWindowSize(WINDOW)
                .maxHeaderListSize(StrictRequestDecoder.MAX_HEADER_BYTES);
        // a stream's answer is flushed when its backend's answer is read, outside this connection's read: each would be
        // a TLS record and a write of its own; one flush at the end of the loop's turn carries every stream answered in it
        p.addLast(new FlushConsolidationHandler(FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
        p.addLast(Http2FrameCodecBuilder.forServer()
                        .initialSettings(settings)
                        .validateHeaders(true)
                        .gracefulShutdownTimeoutMillis(-1) // on shutdown: GOAWAY, then streams finish; the router's own deadline bounds it
                        .build())
                // idle: no frame either way (a GOAWAY then, by the codec's close)
                .addLast(new IdleStateHandler(0, 0, Math.max(1, px.settings.clientIdle().toMillis()), TimeUnit.MILLISECONDS))
                .addLast(new Http2Idle())
                .addLast(new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel stream) {
                        stream.config().setAutoRead(false); // reads are explicit, as on an HTTP/1 connection
                        stream.pipeline()
                                .addLast(new Http2StreamFrameToHttpObjectCodec(true))
                                .addLast(new FrontendHandler(px, secure, true)); // one message per read, as on HTTP/1
                    }
                }));
        // frames are read as they come: HTTP/2's own flow control holds a client back (a stream's window opens as
        // its FrontendHandler takes the data), and the connection must keep reading other streams meanwhile
        p.channel().config().setAutoRead(true);
    }

    /** An HTTP/2 connection idle past the idle timeout with no stream open is closed (GOAWAY first). */
    private static final class Http2Idle extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent) {
                ctx.close();
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }
    }

    /** First on every connection: counted against the limit, known to shutdown. */
    static final class ConnectionGate extends ChannelInboundHandlerAdapter {
        private final ProxyContext px;
        private boolean counted;

        ConnectionGate(ProxyContext px) {
            this.px = px;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            counted = true;
            if (!px.connectionOpened()) {
                px.refusedConnections.increment();
                ctx.close();
                return;
            }
            px.clients.add(ctx.channel());
            ctx.fireChannelActive();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (counted) {
                counted = false;
                px.connectionClosed();
            }
            ctx.fireChannelInactive();
        }
    }

    /**
     * Over TLS: the protocol ALPN chose once the handshake is done; a failed handshake closes quietly and
     * is counted. What a client sends right behind its handshake (a request in the same flight) is held
     * until the protocol's handlers are there to take it.
     */
    static final class TlsSwitch extends ChannelInboundHandlerAdapter {
        private final ProxyContext px;
        private final List<Object> early = new java.util.ArrayList<>(1);

        TlsSwitch(ProxyContext px) {
            this.px = px;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            early.add(msg);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            early.forEach(io.netty.util.ReferenceCountUtil::release); // left only when the connection failed
            early.clear();
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.fireChannelActive();
            ctx.read(); // the ClientHello: auto-read is off
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.read(); // still handshaking: the next flight
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent done) {
                if (!done.isSuccess()) {
                    px.tlsHandshakeFailures.increment();
                    log.debug("TLS handshake with {} failed: {}", ctx.channel().remoteAddress(), done.cause().toString());
                    ctx.close();
                    return;
                }
                SslHandler ssl = ctx.pipeline().get(SslHandler.class);
                String protocol = ssl == null ? null : ssl.applicationProtocol();
                ChannelPipeline p = ctx.pipeline();
                if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                    http2(p, px, true);
                } else {
                    http1(p, px, true);
                }
                if (!early.isEmpty()) {
                    early.forEach(ctx::fireChannelRead);
                    early.clear();
                    ctx.fireChannelReadComplete();
                }
                p.remove(this);
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // a handshake gone wrong (a scanner, an old client): its completion event says so; nothing else to do
            log.debug("TLS connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }

    /**
     * In clear text: HTTP/2 with prior knowledge when the first 24 bytes are its connection preface,
     * HTTP/1.x as soon as one byte differs. A connection that says nothing within the head timeout is
     * closed without an answer.
     */
    static final class PlainSwitch extends ByteToMessageDecoder {
        private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf();
        private final ProxyContext px;
        private ScheduledFuture<?> deadline;

        PlainSwitch(ProxyContext px) {
            this.px = px;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            deadline = ctx.executor().schedule(() -> {
                px.clientTimeouts.increment();
                ctx.close();
            }, px.settings.headTimeout().toMillis(), TimeUnit.MILLISECONDS);
            super.channelActive(ctx);
            ctx.read();
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            int n = Math.min(in.readableBytes(), PREFACE.readableBytes());
            boolean h2 = ByteBufUtil.equals(in, in.readerIndex(), PREFACE, 0, n);
            if (h2 && n < PREFACE.readableBytes()) {
                return; // so far the preface: wait for the rest of it
            }
            deadline.cancel(false);
            ChannelPipeline p = ctx.pipeline();
            if (h2) {
                http2(p, px, false);
            } else {
                http1(p, px, false);
            }
            p.remove(this); // what it read goes on to the protocol's handlers
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            if (deadline != null) {
                deadline.cancel(false);
            }
            super.channelInactive(ctx);
        }
    }
}
