package io.glidepath.router.proxy;

import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;

/**
 * What a backend connection's answer goes to while it carries a request: a user's {@link Exchange},
 * or a {@link ShadowCopy} whose answer is counted and thrown away. Called on the connection's loop.
 */
interface BackendUser {
    void onResponseHead(HttpResponse r);

    void onResponseContent(HttpContent c);

    /** The end of a read burst from the backend: what was relayed may be flushed. */
    void flushToClient();

    void backendWritabilityChanged();

    /** The connection closed or failed while it carried this user's request. */
    void onBackendGone(Throwable cause);
}
