package io.glidepath.router.proxy;

import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpStatusClass;
import java.util.ArrayDeque;
import java.util.Queue;

/**
 * The client side's HTTP/1.1 codec: {@link StrictRequestDecoder} plus a response encoder that knows
 * which request each response answers, as Netty's HttpServerCodec does, so that HEAD responses carry
 * no body. Interim (1xx) responses do not consume the request's method.
 */
final class FrontendCodec extends CombinedChannelDuplexHandler<StrictRequestDecoder, FrontendCodec.ResponseEncoder> {

    FrontendCodec() {
        Queue<HttpMethod> methods = new ArrayDeque<>();
        init(new StrictRequestDecoder(methods), new ResponseEncoder(methods));
    }

    static final class ResponseEncoder extends HttpResponseEncoder {
        private final Queue<HttpMethod> methods;

        ResponseEncoder(Queue<HttpMethod> methods) {
            this.methods = methods;
        }

        @Override
        protected boolean isContentAlwaysEmpty(HttpResponse msg) {
            int code = msg.status().code();
            if (msg.status().codeClass() == HttpStatusClass.INFORMATIONAL && code != 101) {
                return true;
            }
            HttpMethod method = methods.poll();
            return HttpMethod.HEAD.equals(method) || super.isContentAlwaysEmpty(msg);
        }
    }
}
