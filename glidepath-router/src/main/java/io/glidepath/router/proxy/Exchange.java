package io.glidepath.router.proxy;

import io.glidepath.route.BackendProtocol;
import io.glidepath.route.Mirror;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.Stickiness;
import io.glidepath.route.Track;
import io.glidepath.router.acme.Http01Responder;
import io.glidepath.router.endpoint.Endpoint;
import io.glidepath.router.endpoint.EndpointPicker;
import io.glidepath.router.metrics.MetricSeries;
import io.glidepath.router.route.ActiveRoute;
import io.glidepath.router.route.RoutingTable;
import io.glidepath.router.route.TrackSplit;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.Future;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Iterator;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One request on its way through the router: route and track choice, endpoint choice, the backend
 * attempts (a failed connect is retried once elsewhere; an idempotent request without a body that
 * lost its backend before any response byte is retried once; a canary's 5xx to a GET or HEAD is
 * served from stable instead), and the response relayed back as it arrives. Everything runs on the
 * client connection's event loop.
 *
 * <p>Why one class of this size: it is the router's hot path, a state machine per request whose
 * states (attempt, retry, shield, relay) share the request's fields and run on one event loop;
 * splitting it would add allocation and indirection per request for no reader's gain.
 */
final class Exchange implements BackendUser {
    private static final AsciiString PREVIEW_KEY = AsciiString.cached(RouteSpec.PREVIEW_KEY_HEADER);
    private static final AsciiString X_FORWARDED_FOR = AsciiString.cached("X-Forwarded-For");
    private static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("X-Forwarded-Proto");
    private static final AsciiString X_FORWARDED_HOST = AsciiString.cached("X-Forwarded-Host");
    private static final AsciiString STRICT_TRANSPORT_SECURITY = AsciiString.cached("Strict-Transport-Security");
    private static final AsciiString HTTP = AsciiString.cached("http");
    private static final AsciiString HTTPS = AsciiString.cached("https");
    private static final AsciiString UNKNOWN = AsciiString.cached("unknown");
    /** ACME's HTTP-01 challenges are answered over plain HTTP: a redirect would send the CA elsewhere. */
    static final String ACME_CHALLENGES = "/.well-known/acme-challenge/";
    private static final int COOKIE_MAX_AGE = 365 * 24 * 3600;
    private static final byte[] COOKIE_ATTRIBUTES = ("; Path=/; Max-Age=" + COOKIE_MAX_AGE + "; HttpOnly; SameSite=Lax").getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HEX_DIGITS = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    /** What the access log says when the client closed the connection before any response (nginx's 499). */
    static final int CLIENT_CLOSED_REQUEST = 499;

    private final ProxyContext px;
    private final FrontendHandler front;
    private final ChannelHandlerContext fctx;
    private final HttpRequest request;
    private final long startNanos;
    private final boolean clientKeepAlive;
    private final boolean http10Client;
    private final boolean hasBody;
    private final boolean upgradeRequest;
    /** The client reads trailers (TE: trailers; gRPC's clients say so): an HTTP/2 backend is told, as gRPC servers require. */
    private final boolean clientTakesTrailers;
    /** The response is a gRPC call's: its outcome is the grpc-status in the trailers (or the headers), not the HTTP status. */
    private boolean grpc;
    private boolean grpcStatusSeen;

    private ActiveRoute route;
    private boolean pinned;           // the client chose the track: no fallback, no shield
    private AsciiString newClientId;  // cookie to set on the response
    private Track clientTrack;        // the track the sticky split gave this client; null when no split by client id chose it
    private long clientHash;          // that client's hash on the route (the id itself is never kept)
    private int clientWeight;         // the canary's weight the sticky split put this client on its track under

    // the current attempt
    private int attemptId;
    private Endpoint endpoint;
    private Track attemptTrack;
    private Channel backend;
    private BackendHandler backendHandler; // the backend connection's handler, while it carries this attempt
    private long attemptStartNanos;
    private boolean connectRetried;
    private boolean lostRetried;
    private boolean shielded;
    /** The copy of this request going to the canary, while it waits for the body (ShadowCopy.offer). */
    private ShadowCopy shadowCopy;

    private boolean requestComplete;
    private boolean responseStarted;
    private boolean interim;
    private boolean discarding;       // reading a shielded canary response to its end
    private boolean backendReusable;
    private boolean clientKeepsAlive;
    private int status;
    private boolean done;

    // for the access log
    private final String protocol;
    private String host;
    private String path;
    private Endpoint servedBy;        // the endpoint whose response the client got
    private Track servedTrack;
    private long sentBytes;

    Exchange(ProxyContext px, FrontendHandler front, ChannelHandlerContext fctx, HttpRequest request) {
        this.px = px;
        this.front = front;
        this.fctx = fctx;
        this.request = request;
        this.startNanos = System.nanoTime();
        this.clientKeepAlive = HttpUtil.isKeepAlive(request);
        this.http10Client = request.protocolVersion().equals(HttpVersion.HTTP_1_0);
        this.hasBody = HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) > 0;
        this.upgradeRequest = HopByHop.isUpgrade(request.headers());
        this.clientTakesTrailers = request.headers().containsValue(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS, true);
        this.protocol = front.isStream() ? "HTTP/2.0" : request.protocolVersion().text();
    }

    // --- request head: validate, route, choose, dispatch ---------------------------------------------

    /** The request has a body to read (chunked, or a Content-Length above 0). */
    boolean hasBody() {
        return hasBody;
    }

    void start() {
        HttpHeaders h = request.headers();
        if (!http10Client && !request.protocolVersion().equals(HttpVersion.HTTP_1_1)) {
            // forwarded as HTTP/1.1 it would mean what the client did not say; its framing is unknown, so close
            px.badRequests.increment();
            answer(HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED, request.protocolVersion().text()
                    + " is not served here: this listener speaks versions 1.1 and 1.0 of HTTP", false);
            return;
        }
        String problem = framingProblem(h);
        if (problem != null) {
            px.badRequests.increment();
            answer(HttpResponseStatus.BAD_REQUEST, problem, false);
            return;
        }
        host = hostOf(h);
        if (host == null) {
            px.badRequests.increment();
            answer(HttpResponseStatus.BAD_REQUEST, "missing or repeated Host header", false);
            return;
        }
        path = pathOf(request.uri());
        if (path == null) {
            px.badRequests.increment();
            answer(HttpResponseStatus.BAD_REQUEST, "request target has a '.' or '..' path segment; send a normalised path", false);
            return;
        }
        Http01Responder challenges = px.acmeChallenges;
        if (challenges != null && path.startsWith(ACME_CHALLENGES)) {
            String keyAuthorization = challenges.keyAuthorization(path.substring(ACME_CHALLENGES.length()));
            if (keyAuthorization != null) {
                answerAcmeChallenge(keyAuthorization);
                return;
            }
        }
        RoutingTable table = px.table.get();
        route = table.match(host, path);
        if (route == null) {
            px.unmatched.increment();
            answer(HttpResponseStatus.NOT_FOUND, "no route for host '" + host + "' and path '" + path + "'", clientKeepAlive);
            return;
        }
        int httpsPort = px.httpsPort;
        if (!front.secure() && httpsPort > 0 && route.spec().https().redirect() && !path.startsWith(ACME_CHALLENGES)) {
            redirectToHttps(httpsPort);
            return;
        }
        Track track = chooseTrack(h);
        if (track == null) {
            return; // answered
        }
        prepareOutbound(h);
        if (track == Track.STABLE && !pinned && mirrors()) {
            // before the user's own request changes on its way (a retry, a shield)
            shadowCopy = ShadowCopy.send(px, route, request, hasBody, clientTakesTrailers, fctx.channel());
        }
        dispatch(track, null);
    }

    /**
     * Whether this request is one the route copies to the canary: its mirror share, drawn at random, of
     * the requests that go to stable and are GETs or HEADs without a body, or, when the route allows every
     * method, any request (with a body of at most ShadowCopy.MAX_BODY_BYTES) but an upgrade.
     */
    private boolean mirrors() {
        Mirror m = route.spec().mirror();
        if (m.isNone() || upgradeRequest) {
            return false;
        }
        HttpMethod method = request.method();
        boolean safe = !hasBody && (method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD));
        return (safe || m.allMethods()) && ThreadLocalRandom.current().nextInt(RouteSpec.FULL_WEIGHT) < m.weight();
    }

    /** This exchange ends (answered, cut, or its client gone): a copy still waiting for the body is dropped. */
    private void abandonShadowCopy() {
        if (shadowCopy != null) {
            shadowCopy.abandon();
            shadowCopy = null;
        }
    }

    /**
     * The same URL over HTTPS: 308, so that the method and body are kept (a 301 lets clients turn a POST
     * into a GET). The request's body is not read: the client sends it again to the new URL.
     */
    private void redirectToHttps(int httpsPort) {
        String uri = request.uri();
        if (uri.startsWith("http://") || uri.startsWith("https://")) {
            int slash = uri.indexOf('/', uri.indexOf("//") + 2);
            uri = slash < 0 ? "/" : uri.substring(slash);
        }
        String location = "https://" + host + (httpsPort == 443 ? "" : ":" + httpsPort) + uri;
        answer(HttpResponseStatus.PERMANENT_REDIRECT, "this route is served over HTTPS: " + location, clientKeepAlive && !hasBody, location);
    }

    /** The key authorization of one of the router's own orders, as RFC 8555 (8.3) has it: the body is exactly that. */
    private void answerAcmeChallenge(String keyAuthorization) {
        done = true;
        boolean keep = clientKeepAlive && !front.closing(); // a body it sent is read and dropped, as for a 404
        var response = LocalResponses.exactly(fctx.alloc(), HttpResponseStatus.OK, "application/octet-stream", keyAuthorization, keep);
        logAccess(200, response.content().readableBytes());
        fctx.writeAndFlush(response);
        front.answeredLocally(requestComplete, keep);
    }

    /** Body framing a proxy must refuse (the decoder already refused CL + TE on HTTP/1.1). */
    private String framingProblem(HttpHeaders h) {
        String te = h.get(HttpHeaderNames.TRANSFER_ENCODING);
        if (te != null) {
            if (h.contains(HttpHeaderNames.CONTENT_LENGTH)) {
                return "both Content-Length and Transfer-Encoding are present";
            }
            if (h.getAll(HttpHeaderNames.TRANSFER_ENCODING).size() != 1 || !te.trim().equalsIgnoreCase("chunked")) {
                return "Transfer-Encoding '" + te + "' is not supported: send 'chunked' or a Content-Length";
            }
            if (http10Client) {
                return "Transfer-Encoding is not allowed in HTTP/1.0";
            }
        }
        return null;
    }

    /** The request's host in lower case without port; "" when HTTP/1.0 sent none; null when bad. */
    private String hostOf(HttpHeaders h) {
        String uri = request.uri();
        if (uri.startsWith("http://") || uri.startsWith("https://")) {
            int from = uri.indexOf("//") + 2;
            int end = uri.indexOf('/', from);
            return stripPort(uri.substring(from, end < 0 ? uri.length() : end));
        }
        Iterator<String> hosts = h.valueStringIterator(HttpHeaderNames.HOST);
        if (!hosts.hasNext()) {
            return http10Client ? "" : null;
        }
        String first = hosts.next();
        return hosts.hasNext() ? null : stripPort(first);
    }

    private static String stripPort(String hostPort) {
        String hp = hostPort.trim();
        int end = hp.length();
        if (hp.startsWith("[")) {
            int close = hp.indexOf(']');
            end = close < 0 ? end : close + 1;
        } else {
            int colon = hp.lastIndexOf(':');
            if (colon >= 0) {
                end = colon;
            }
        }
        return hp.substring(0, end).toLowerCase(Locale.ROOT);
    }

    /** The path without query; null when it has a dot segment (routing on it would be ambiguous). */
    static String pathOf(String uri) {
        String u = uri;
        if (u.startsWith("http://") || u.startsWith("https://")) {
            int slash = u.indexOf('/', u.indexOf("//") + 2);
            u = slash < 0 ? "/" : u.substring(slash);
        }
        int q = u.indexOf('?');
        String path = q < 0 ? u : u.substring(0, q);
        int hash = path.indexOf('#');
        if (hash >= 0) {
            path = path.substring(0, hash);
        }
        if (!path.startsWith("/")) {
            return path.equals("*") ? "/" : null;
        }
        if (path.indexOf('.') >= 0 || path.indexOf('%') >= 0) {
            String decoded = path.replace("%2e", ".").replace("%2E", ".");
            for (String seg : decoded.split("/", -1)) {
                if (seg.equals(".") || seg.equals("..")) {
                    return null;
                }
            }
        }
        return path;
    }

    /** Preview key, override header, or the sticky split; null when the request was answered. */
    private Track chooseTrack(HttpHeaders h) {
        String key = h.get(PREVIEW_KEY);
        if (key != null) {
            h.remove(PREVIEW_KEY);
            if (!MessageDigest.isEqual(key.trim().getBytes(StandardCharsets.UTF_8), route.previewKey().getBytes(StandardCharsets.UTF_8))) {
                answer(HttpResponseStatus.FORBIDDEN, "the preview key does not match route '" + route.name() + "'", clientKeepAlive);
                return null;
            }
            pinned = true;
            return Track.PREVIEW;
        }
        String override = h.get(route.overrideHeader());
        if (override != null) {
            h.remove(route.overrideHeader());
            String o = override.trim();
            if (o.equalsIgnoreCase("stable") || o.equalsIgnoreCase("canary")) {
                pinned = true;
                return o.equalsIgnoreCase("stable") ? Track.STABLE : Track.CANARY;
            }
            answer(HttpResponseStatus.BAD_REQUEST, route.overrideHeader() + " must be 'stable' or 'canary'"
                    + (o.equalsIgnoreCase("preview") ? "; the preview track needs the " + RouteSpec.PREVIEW_KEY_HEADER + " header" : ""), clientKeepAlive);
            return null;
        }
        int weight = route.canaryWeight();
        Stickiness.Mode mode = route.spec().sticky().mode();
        if (mode == Stickiness.Mode.COOKIE) {
            String id = cookieValue(h, route.stickyCookie());
            if (id == null) {
                newClientId = newClientId();
                return splitClient(newClientId, weight);
            }
            return splitClient(id, weight);
        }
        if (mode == Stickiness.Mode.HEADER) {
            String id = h.get(route.stickyHeader());
            if (id != null) {
                return splitClient(id, weight);
            }
        }
        if (weight == 0) {
            return Track.STABLE;
        }
        return ThreadLocalRandom.current().nextInt(RouteSpec.FULL_WEIGHT) < weight ? Track.CANARY : Track.STABLE;
    }

    /** The sticky split of a client with this id; the client's hash stays with the exchange to count its first error. */
    private Track splitClient(CharSequence id, int weight) {
        clientHash = TrackSplit.clientHash(id, route.seed());
        clientWeight = weight;
        clientTrack = TrackSplit.inCanary(clientHash, weight) ? Track.CANARY : Track.STABLE;
        return clientTrack;
    }

    static String cookieValue(HttpHeaders h, String name) {
        for (Iterator<String> headers = h.valueStringIterator(HttpHeaderNames.COOKIE); headers.hasNext(); ) {
            String header = headers.next();
            int i = 0;
            int n = header.length();
            while (i < n) {
                while (i < n && (header.charAt(i) == ' ' || header.charAt(i) == ';')) {
                    i++;
                }
                int end = header.indexOf(';', i);
                if (end < 0) {
                    end = n;
                }
                if (header.startsWith(name, i) && i + name.length() < end && header.charAt(i + name.length()) == '=') {
                    String v = header.substring(i + name.length() + 1, end).trim();
                    return v.isEmpty() ? null : v;
                }
                i = end + 1;
            }
        }
        return null;
    }

    /**
     * A new client id: 32 hex digits, two random longs with their top bit set (so each is 16 digits), written
     * straight into the bytes the response encoder copies.
     */
    static AsciiString newClientId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        byte[] b = new byte[32];
        putHex(b, 0, r.nextLong() | Long.MIN_VALUE);
        putHex(b, 16, r.nextLong() | Long.MIN_VALUE);
        return new AsciiString(b, false);
    }

    private static void putHex(byte[] b, int at, long v) {
        for (int i = 15; i >= 0; i--) {
            b[at + i] = HEX_DIGITS[(int) (v & 0xf)];
            v >>>= 4;
        }
    }

    /** The Set-Cookie value that gives a new client its id: {@code NAME=ID; Path=/; Max-Age=...; HttpOnly; SameSite=Lax}. */
    static AsciiString setCookie(String name, AsciiString id) {
        int n = name.length();
        byte[] b = new byte[n + 1 + id.length() + COOKIE_ATTRIBUTES.length];
        for (int i = 0; i < n; i++) {
            b[i] = AsciiString.c2b(name.charAt(i)); // as the encoder would write the name
        }
        b[n] = '=';
        System.arraycopy(id.array(), id.arrayOffset(), b, n + 1, id.length());
        System.arraycopy(COOKIE_ATTRIBUTES, 0, b, n + 1 + id.length(), COOKIE_ATTRIBUTES.length);
        return new AsciiString(b, false);
    }

    /** Headers for the backend: hop-by-hop ones out, X-Forwarded-* in, HTTP/1.1 for keep-alive. */
    private void prepareOutbound(HttpHeaders h) {
        if (front.isStream()) {
            for (HttpConversionUtil.ExtensionHeaderNames x : HttpConversionUtil.ExtensionHeaderNames.values()) {
                h.remove(x.text()); // Netty's notes on the stream (x-http2-scheme, x-http2-stream-id): not the client's headers
            }
        }
        String originalHost = h.get(HttpHeaderNames.HOST);
        HopByHop.strip(h, upgradeRequest);
        AsciiString ip = front.clientIp();
        CharSequence clientIp = ip == null ? UNKNOWN : ip;
        String xff = h.get(X_FORWARDED_FOR);
        h.set(X_FORWARDED_FOR, xff == null ? clientIp : xff + ", " + clientIp);
        if (front.secure()) {
            h.set(X_FORWARDED_PROTO, HTTPS); // this listener terminated TLS: what a client claims does not count
        } else if (!h.contains(X_FORWARDED_PROTO)) {
            h.set(X_FORWARDED_PROTO, HTTP);
        }
        if (originalHost != null && !h.contains(X_FORWARDED_HOST)) {
            h.set(X_FORWARDED_HOST, originalHost);
        }
        request.setProtocolVersion(HttpVersion.HTTP_1_1);
    }

    // --- attempts ------------------------------------------------------------------------------------

    /** Sends the request to an endpoint of {@code track} (or of stable, when the track has none). */
    private void dispatch(Track track, Endpoint exclude) {
        long now = System.nanoTime();
        Track t = track;
        Endpoint e = EndpointPicker.pick(route.endpoints(t), exclude, now);
        if (e == null && !pinned && t != Track.STABLE) {
            t = Track.STABLE;
            e = EndpointPicker.pick(route.endpoints(t), exclude, now);
        }
        if (e == null && exclude != null && exclude.isEligible(now)) {
            e = exclude; // nothing else left: the same endpoint again beats an error
        }
        if (e == null) {
            failNoEndpoint(t);
            return;
        }
        e.acquire();
        endpoint = e;
        attemptTrack = t;
        attemptStartNanos = now;
        int id = ++attemptId;
        if (route.spec().settingsOf(e.address()).protocol() == BackendProtocol.H2C) {
            px.pool().openStream(e).addListener((Future<Channel> f) -> connected(id, f.isSuccess() ? f.getNow() : null));
            return;
        }
        Channel pooled = px.pool().poll(e);
        if (pooled != null) {
            attach(pooled);
        } else {
            px.pool().connect(e).addListener((ChannelFuture f) -> connected(id, f.isSuccess() ? f.channel() : null));
        }
    }

    /** A new connection (or HTTP/2 stream) to the attempt's endpoint; null when it could not be had. */
    private void connected(int id, Channel ch) {
        if (done || id != attemptId) {
            if (ch != null) {
                ch.close();
            }
            return;
        }
        Endpoint e = endpoint;
        if (ch != null) {
            e.connectSucceeded();
            attach(ch);
            return;
        }
        e.connectFailed(System.nanoTime());
        figures(attemptTrack).recordConnectFailure();
        Track t = attemptTrack;
        endAttempt(false);
        if (t == Track.CANARY && !pinned) {
            // nothing reached the canary, so stable can take any request; its other instances may be down just the same
            dispatch(Track.STABLE, null);
        } else if (!connectRetried) {
            connectRetried = true;
            dispatch(t, e);
        } else {
            fail(HttpResponseStatus.BAD_GATEWAY, "could not connect to a backend of route '" + route.name() + "'");
        }
    }

    private void attach(Channel ch) {
        backend = ch;
        if (ch instanceof Http2StreamChannel && clientTakesTrailers) {
            request.headers().set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS); // the one TE HTTP/2 allows
        }
        px.pool().lease(endpoint, ch);
        BackendHandler bh = ch.pipeline().get(BackendHandler.class);
        backendHandler = bh;
        bh.bind(this);
        ch.config().setAutoRead(true);
        if (requestComplete) {
            // a retry: the request had no body, so its head is all there is to send again
            ch.write(request, bh.quiet());
            ch.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT, bh.quiet());
        } else {
            ch.write(request, bh.quiet());
            front.readMore(); // the body (or the empty end of it) comes next
        }
    }

    /** Ends the current attempt: the endpoint's in-flight count drops, the connection is pooled or closed. */
    private void endAttempt(boolean reuse) {
        Endpoint e = endpoint;
        Channel ch = backend;
        BackendHandler bh = backendHandler;
        endpoint = null;
        backend = null;
        backendHandler = null;
        if (e != null) {
            e.release();
        }
        if (ch != null) {
            px.pool().unlease(e, ch);
            bh.unbind();
            if (reuse) {
                px.pool().release(e, ch);
            } else {
                ch.close();
            }
        }
    }

    // --- request body --------------------------------------------------------------------------------

    void onRequestContent(HttpContent c) {
        boolean last = c instanceof LastHttpContent;
        if (c.decoderResult().isFailure()) {
            c.release();
            abandonShadowCopy();
            px.badRequests.increment();
            endAttempt(false);
            if (!responseStarted) {
                answer(HttpResponseStatus.BAD_REQUEST, "malformed request body: " + c.decoderResult().cause().getMessage(), false);
            } else {
                finish(false);
            }
            return;
        }
        if (last) {
            requestComplete = true;
        }
        if (shadowCopy != null && !done) {
            shadowCopy.offer(c); // before the write below gives the piece away (the copy takes its bytes)
            if (last) {
                shadowCopy = null;
            }
        }
        if (backend == null || done) {
            c.release(); // the response is already out (an early answer); the rest of the body is dropped
            return;
        }
        backend.writeAndFlush(c, backendHandler.quiet());
        if (!last && backend.isWritable()) {
            front.readMore();
        }
    }

    @Override
    public void backendWritabilityChanged() {
        if (backend != null && backend.isWritable() && !requestComplete) {
            front.readMore();
        }
    }

    void clientWritabilityChanged(boolean writable) {
        if (backend != null) {
            backend.config().setAutoRead(writable);
        }
    }

    // --- response ------------------------------------------------------------------------------------

    @Override
    public void onResponseHead(HttpResponse r) {
        int code = r.status().code();
        if (code >= 100 && code < 200 && code != 101) {
            interim = true;
            if (!discarding && !front.isStream()) { // HTTP/2's codec takes interim answers only whole; they are optional
                HopByHop.strip(r.headers(), false);
                fctx.writeAndFlush(r);
            }
            return;
        }
        long latency = (System.nanoTime() - attemptStartNanos) / 1_000;
        if (shouldShield(code)) {
            route.runtime().metrics(Track.CANARY).recordResponse(code, latency);
            route.runtime().metrics(Track.CANARY).recordShielded();
            countClientError(Track.CANARY);
            revealAnswer(Track.CANARY, code);
            endpoint.metrics().recordResponse(code, latency);
            endpoint.metrics().recordShielded();
            discarding = true;
            backendReusable = HttpUtil.isKeepAlive(r);
            return;
        }
        responseStarted = true;
        status = code;
        grpc = GrpcStatus.isGrpc(r.headers());
        if (grpc && r.headers().contains(GrpcStatus.HEADER)) {
            status = GrpcStatus.asHttp(code, r.headers()); // a trailers-only answer carries its status here
            grpcStatusSeen = true;
        }
        servedBy = endpoint;
        servedTrack = attemptTrack;
        backendReusable = HttpUtil.isKeepAlive(r) && requestComplete;
        boolean upgrade = code == 101 && upgradeRequest;
        HttpHeaders h = r.headers();
        HopByHop.strip(h, upgrade);
        if (front.secure() && !h.contains(STRICT_TRANSPORT_SECURITY)) {
            route.spec().https().hstsHeader().ifPresent(v -> h.set(STRICT_TRANSPORT_SECURITY, v)); // the backend's own wins
        }
        if (newClientId != null) {
            h.add(HttpHeaderNames.SET_COOKIE, setCookie(route.stickyCookie(), newClientId));
        }
        if (upgrade) {
            recordResponse(code);
            logAccess(code, 0); // the tunnel's bytes are not counted
            fctx.writeAndFlush(r);
            becomeTunnel();
            return;
        }
        boolean framed = h.contains(HttpHeaderNames.CONTENT_LENGTH) || HttpUtil.isTransferEncodingChunked(r)
                || request.method().equals(HttpMethod.HEAD) || code == 204 || code == 304;
        clientKeepsAlive = clientKeepAlive && !front.closing();
        if (!framed) {
            if (http10Client) {
                clientKeepsAlive = false; // the body ends when the connection does
            } else {
                HttpUtil.setTransferEncodingChunked(r, true);
            }
        } else if (http10Client && HttpUtil.isTransferEncodingChunked(r)) {
            HttpUtil.setTransferEncodingChunked(r, false); // HTTP/1.0 cannot read chunks: close ends the body
            clientKeepsAlive = false;
        }
        if (!clientKeepsAlive) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (http10Client) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        fctx.write(r, front.quiet());
    }

    private boolean shouldShield(int code) {
        return code >= 500 && attemptTrack == Track.CANARY && !pinned && !shielded && route.shield() && requestComplete && !hasBody
                && (request.method().equals(HttpMethod.GET) || request.method().equals(HttpMethod.HEAD))
                && EndpointPicker.pick(route.endpoints(Track.STABLE), null, System.nanoTime()) != null;
    }

    @Override
    public void onResponseContent(HttpContent c) {
        boolean last = c instanceof LastHttpContent;
        if (interim) {
            c.release();
            if (last) {
                interim = false;
            }
            return;
        }
        if (discarding) {
            c.release();
            if (last) {
                discarding = false;
                shielded = true;
                endAttempt(backendReusable);
                dispatch(Track.STABLE, null);
            }
            return;
        }
        if (!responseStarted) {
            c.release();
            return;
        }
        sentBytes += c.content().readableBytes();
        if (last) {
            if (grpc && ((LastHttpContent) c).trailingHeaders().contains(GrpcStatus.HEADER)) {
                status = GrpcStatus.asHttp(status, ((LastHttpContent) c).trailingHeaders());
                grpcStatusSeen = true;
            } else if (grpc && !grpcStatusSeen && status == 200) {
                status = GrpcStatus.NO_STATUS; // a call without an outcome was cut short
            }
            recordResponse(status);
            boolean reuse = backendReusable;
            endAttempt(reuse);
            fctx.writeAndFlush(c, front.quiet());
            finish(clientKeepsAlive && requestComplete);
            return;
        }
        fctx.write(c, front.quiet());
        if (!fctx.channel().isWritable() && backend != null) {
            backend.config().setAutoRead(false);
        }
    }

    @Override
    public void flushToClient() {
        fctx.flush();
    }

    private void recordResponse(int code) {
        long latency = (System.nanoTime() - attemptStartNanos) / 1_000;
        record(attemptTrack, code, latency);
        if (endpoint != null) {
            endpoint.metrics().recordResponse(code, latency);
        }
    }

    private void becomeTunnel() {
        Channel ch = backend;
        Endpoint e = endpoint;
        BackendHandler bh = backendHandler;
        endpoint = null;
        backend = null;
        backendHandler = null;
        done = true;
        bh.tunnel(front);
        ch.pipeline().remove(BackendPool.CODEC);
        front.becomeTunnel(ch);
        // the endpoint counts the tunnel as in flight until either side closes it
        BackendPool pool = px.pool();
        ch.closeFuture().addListener(f -> {
            pool.unlease(e, ch);
            e.release();
            front.close();
        });
    }

    // --- failures ------------------------------------------------------------------------------------

    /** The backend connection closed or failed while this exchange was on it. */
    @Override
    public void onBackendGone(Throwable cause) {
        if (done) {
            return;
        }
        Endpoint lost = endpoint;
        Track t = attemptTrack;
        boolean wasDiscarding = discarding;
        boolean shieldable = !responseStarted && !wasDiscarding && shouldShield(HttpResponseStatus.BAD_GATEWAY.code());
        long latency = (System.nanoTime() - attemptStartNanos) / 1_000;
        if (backend != null) {
            px.pool().unlease(endpoint, backend);
            backend = null;
            backendHandler = null;
        }
        endAttempt(false);
        if (wasDiscarding) {
            discarding = false;
            shielded = true;
            dispatch(Track.STABLE, null);
            return;
        }
        if (!responseStarted) {
            interim = false;
            if (shieldable) {
                // the shield: a canary instance dying under a request is the canary's failure (the analysis counts it),
                // not the user's; stable answers. Retrying on the canary could meet the same crash.
                route.runtime().metrics(Track.CANARY).recordResponse(HttpResponseStatus.BAD_GATEWAY.code(), latency);
                route.runtime().metrics(Track.CANARY).recordShielded();
                countClientError(Track.CANARY);
                if (lost != null) {
                    lost.metrics().recordResponse(HttpResponseStatus.BAD_GATEWAY.code(), latency);
                    lost.metrics().recordShielded();
                }
                shielded = true;
                dispatch(Track.STABLE, null);
                return;
            }
            if (requestComplete && !hasBody && isIdempotent(request.method()) && !lostRetried) {
                lostRetried = true;
                dispatch(t, lost);
                return;
            }
            recordLost(t, lost, latency);
            answer(HttpResponseStatus.BAD_GATEWAY, "the backend of route '" + route.name() + "' closed the connection before answering",
                    clientKeepAlive && requestComplete);
            return;
        }
        // the response was cut in the middle: the client must see the connection end
        recordLost(t, lost, latency);
        done = true;
        abandonShadowCopy();
        front.close();
    }

    /** A 502 for a lost backend, in the track's and the endpoint's figures alike: the same status, the same latency. */
    private void recordLost(Track t, Endpoint lost, long latencyMicros) {
        record(t, HttpResponseStatus.BAD_GATEWAY.code(), latencyMicros);
        if (lost != null) {
            lost.metrics().recordResponse(HttpResponseStatus.BAD_GATEWAY.code(), latencyMicros);
        }
    }

    /**
     * Where an answer on track {@code t} counts. The stable and canary figures are what a judge compares,
     * so they hold the split's requests only, each attempt once on the track whose endpoint answered it:
     * requests the override header pinned count apart, and so does stable's answer to a request whose
     * canary failure was shielded (the canary's 5xx is already counted; the request is not stable's too).
     */
    private MetricSeries figures(Track t) {
        if (shielded) {
            return route.runtime().shieldAnswers();
        }
        return pinned && t != Track.PREVIEW ? route.runtime().overridden(t) : route.runtime().metrics(t);
    }

    /** An answer on track {@code t}, in the series {@link #figures} picks; a 5xx may be its client's first error. */
    private void record(Track t, int code, long latencyMicros) {
        figures(t).recordResponse(code, latencyMicros);
        if (code >= 500) {
            countClientError(t);
        }
        revealAnswer(t, code);
    }

    /**
     * An answer on track {@code t}: when the sticky split put this client there, its reveal to the judge
     * counts it (ClientReveals); a shielded canary failure counts once, as the canary's, not again as
     * stable's answer in its place.
     */
    private void revealAnswer(Track t, int code) {
        // only while the split has a canary to compare: at weight 0 or full a client had no chance of the other track
        if (t == clientTrack && !shielded && clientWeight > 0 && clientWeight < RouteSpec.FULL_WEIGHT) {
            route.clientReveals().record(clientHash, t == Track.CANARY, clientWeight, code >= 500);
        }
    }

    /**
     * A 5xx on track {@code t} just recorded in the split's figures of {@code t}: when the sticky split put
     * this client on {@code t} and it is the client's first error since the canary began, the track counts
     * a client's first error too (docs/router.md, "Clients' first errors"). A request the split sent
     * elsewhere than where it was answered (its canary had no endpoint left, or refused the connect) does
     * not count: a client counts on the track its hash gave it, or the canary's share of clients is not
     * what the split's weight says.
     */
    private void countClientError(Track t) {
        if (t == clientTrack && !shielded && route.clientErrors().firstError(clientHash)) {
            route.runtime().metrics(t).recordFirstClientError();
        }
    }

    private static boolean isIdempotent(HttpMethod m) {
        return m.equals(HttpMethod.GET) || m.equals(HttpMethod.HEAD) || m.equals(HttpMethod.OPTIONS)
                || m.equals(HttpMethod.TRACE) || m.equals(HttpMethod.PUT) || m.equals(HttpMethod.DELETE);
    }

    /** The client went away: give back the endpoint and drop the backend connection mid-exchange. */
    /** The client did not send the rest of its body in time: 408 if nothing was answered yet; the backend's connection goes. */
    void clientTooSlow(String why) {
        if (done) {
            return;
        }
        endAttempt(false); // the backend has part of a request: that connection cannot carry another
        if (!responseStarted) {
            answer(HttpResponseStatus.REQUEST_TIMEOUT, why, false);
        } else {
            finish(false);
        }
    }

    void onClientGone() {
        if (!done && responseStarted) {
            logAccess(status, sentBytes); // the client left during the response
        } else if (!done) {
            logAccess(CLIENT_CLOSED_REQUEST, 0);
        }
        done = true;
        abandonShadowCopy();
        endAttempt(false);
    }

    private void failNoEndpoint(Track t) {
        record(t, 503, 0);
        answer(HttpResponseStatus.SERVICE_UNAVAILABLE, "route '" + route.name() + "' has no healthy " + t.id() + " endpoint",
                clientKeepAlive && (requestComplete || !hasBody));
    }

    private void fail(HttpResponseStatus s, String message) {
        if (route != null && attemptTrack != null) {
            record(attemptTrack, s.code(), (System.nanoTime() - attemptStartNanos) / 1_000);
        }
        answer(s, message, clientKeepAlive && (requestComplete || !hasBody));
    }

    /** Answers from the router itself and hands the connection back to the frontend. */
    private void answer(HttpResponseStatus s, String message, boolean keepAlive) {
        answer(s, message, keepAlive, null);
    }

    /** The same, with a {@code Location} when {@code location} is not null (a redirect). */
    private void answer(HttpResponseStatus s, String message, boolean keepAlive, String location) {
        done = true;
        abandonShadowCopy();
        boolean keep = keepAlive && !front.closing();
        var response = LocalResponses.of(fctx.alloc(), s, message, keep);
        if (location != null) {
            response.headers().set(HttpHeaderNames.LOCATION, location);
        }
        servedBy = null;
        logAccess(s.code(), response.content().readableBytes());
        fctx.writeAndFlush(response);
        front.answeredLocally(requestComplete, keep);
    }

    private void finish(boolean keepAlive) {
        done = true;
        abandonShadowCopy();
        logAccess(status, sentBytes);
        front.exchangeDone(keepAlive);
    }

    static String withoutQuery(String uri) {
        int q = uri.indexOf('?');
        return q < 0 ? uri : uri.substring(0, q);
    }

    /** The request's line in the access log, when there is one; the router's own answers name no endpoint. */
    private void logAccess(int code, long bytes) {
        AccessLog log = px.accessLog;
        if (log == null) {
            return;
        }
        AsciiString client = front.clientIp();
        String version = null;
        String endpointText = null;
        if (servedBy != null) {
            endpointText = servedBy.address().toString();
            version = route.spec().settingsOf(servedBy.address()).version().orElse(null);
        }
        log.add(new AccessLog.Entry(System.currentTimeMillis(), client == null ? null : client.toString(), request.method().name(),
                host, path != null ? path : withoutQuery(request.uri()), protocol, route == null ? null : route.name(),
                servedBy != null ? servedTrack.id() : null, version, endpointText, code, bytes, (System.nanoTime() - startNanos) / 1_000, shielded));
    }
}
