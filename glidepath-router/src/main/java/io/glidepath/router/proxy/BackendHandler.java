package io.glidepath.router.proxy;

import io.glidepath.router.endpoint.Endpoint;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.VoidChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.ReferenceCountUtil;

/**
 * The end of a backend connection's pipeline. While the connection carries an exchange (or a shadow
 * copy: {@link BackendUser}), it hands the response to it; while pooled, any data or close just retires the connection. After a protocol
 * upgrade it relays raw bytes to the client.
 */
final class BackendHandler extends ChannelInboundHandlerAdapter {
    private BackendUser exchange;
    private FrontendHandler tunnelTo;
    private ChannelPromise quiet;
    private Channel channel;
    /** While pooled: the endpoint the connection goes to, and since when it is idle (System.nanoTime()). */
    Endpoint idleFor;
    long idleSince;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        quiet = new VoidChannelPromise(channel, false);
    }

    Channel channel() {
        return channel;
    }

    /**
     * The promise for writes nobody waits on (an exchange's request), one per connection rather than one per
     * write: a write that fails closes the connection, which the exchange learns from {@link #channelInactive}.
     */
    ChannelPromise quiet() {
        return quiet;
    }

    void bind(BackendUser e) {
        this.exchange = e;
    }

    void unbind() {
        this.exchange = null;
    }

    void tunnel(FrontendHandler front) {
        this.exchange = null;
        this.tunnelTo = front;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (tunnelTo != null) {
            if (msg instanceof ByteBuf b) {
                tunnelTo.relayFromBackend(b);
            } else {
                ReferenceCountUtil.release(msg);
            }
            return;
        }
        BackendUser e = exchange;
        if (e == null) {
            // data on a pooled connection: nothing asked for it, so the connection cannot be trusted
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        if (msg instanceof HttpResponse r) {
            e.onResponseHead(r);
        }
        if (msg instanceof HttpContent c) {
            if (exchange == e) {
                e.onResponseContent(c);
            } else {
                c.release();
            }
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (exchange != null) {
            exchange.flushToClient();
        } else if (tunnelTo != null) {
            tunnelTo.flush();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (exchange != null) {
            exchange.backendWritabilityChanged();
        } else if (tunnelTo != null) {
            tunnelTo.backendWritabilityChanged(ctx.channel().isWritable());
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (exchange != null) {
            BackendUser e = exchange;
            exchange = null;
            e.onBackendGone(null);
        } else if (tunnelTo != null) {
            tunnelTo.close();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (exchange != null) {
            BackendUser e = exchange;
            exchange = null;
            e.onBackendGone(cause);
        }
        ctx.close();
    }
}
