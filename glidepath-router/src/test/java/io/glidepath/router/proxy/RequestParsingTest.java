package io.glidepath.router.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequestParsingTest {
    @Test
    void takesThePathWithoutQueryFromOriginAndAbsoluteForms() {
        assertThat(Exchange.pathOf("/api/orders?x=1")).isEqualTo("/api/orders");
        assertThat(Exchange.pathOf("http://shop.test:8080/cart?id=2")).isEqualTo("/cart");
        assertThat(Exchange.pathOf("http://shop.test")).isEqualTo("/");
        assertThat(Exchange.pathOf("*")).isEqualTo("/");
        assertThat(Exchange.pathOf("/.well-known/acme")).isEqualTo("/.well-known/acme");
        assertThat(Exchange.pathOf("/file.tar.gz")).isEqualTo("/file.tar.gz");
    }

    @Test
    void refusesDotSegmentsPlainOrEncoded() {
        assertThat(Exchange.pathOf("/api/../admin")).isNull();
        assertThat(Exchange.pathOf("/api/./x")).isNull();
        assertThat(Exchange.pathOf("/api/%2e%2e/admin")).isNull();
        assertThat(Exchange.pathOf("/api/%2E/x")).isNull();
        assertThat(Exchange.pathOf("/..")).isNull();
        assertThat(Exchange.pathOf("relative")).isNull();
    }

    @Test
    void findsTheClientCookieAmongOthers() {
        HttpHeaders h = new DefaultHttpHeaders().add("Cookie", "theme=dark; gp_client=abc123;lang=en").add("Cookie", "x=1");
        assertThat(Exchange.cookieValue(h, "gp_client")).isEqualTo("abc123");
        assertThat(Exchange.cookieValue(h, "lang")).isEqualTo("en");
        assertThat(Exchange.cookieValue(h, "x")).isEqualTo("1");
        assertThat(Exchange.cookieValue(h, "gp")).isNull();
        assertThat(Exchange.cookieValue(new DefaultHttpHeaders().add("Cookie", "my_gp_client=zzz"), "gp_client")).isNull();
        assertThat(Exchange.cookieValue(new DefaultHttpHeaders().add("Cookie", "gp_client="), "gp_client")).isNull();
    }

    @Test
    void hopByHopHeadersGoButFramingAndHostStay() {
        HttpHeaders h = new DefaultHttpHeaders()
                .add("Connection", "keep-alive, X-Hop, Content-Length, Host, Transfer-Encoding")
                .add("X-Hop", "1").add("Keep-Alive", "timeout=5").add("TE", "trailers").add("Upgrade", "h2c")
                .add("Content-Length", "5").add("Host", "x").add("Proxy-Authorization", "secret");
        HopByHop.strip(h, false);
        assertThat(h.names()).containsExactlyInAnyOrder("Content-Length", "Host");
    }

    @Test
    void hopByHopNamesMatchInAnyCaseAndInEveryConnectionHeader() {
        HttpHeaders h = new DefaultHttpHeaders()
                .add("connection", "close").add("CONNECTION", "x-one ,X-Two,, ")
                .add("X-One", "1").add("x-two", "2").add("proxy-connection", "keep-alive").add("TRAILER", "x")
                .add("Proxy-Authenticate", "Basic").add("upgrade", "h2c").add("X-Kept", "3").add("Date", "d");
        HopByHop.strip(h, false);
        assertThat(h.names()).containsExactlyInAnyOrder("X-Kept", "Date");
    }

    @Test
    void aMessageWithoutHopByHopHeadersIsLeftAsItIs() {
        HttpHeaders h = new DefaultHttpHeaders().add("Host", "x").add("Accept", "*/*").add("X-Forwarded-For", "10.0.0.1").add("Accept", "text/html");
        List<String> before = lines(h);
        HopByHop.strip(h, false);
        assertThat(lines(h)).containsExactlyElementsOf(before);
    }

    private static List<String> lines(HttpHeaders h) {
        return h.entries().stream().map(e -> e.getKey() + ": " + e.getValue()).toList();
    }

    @Test
    void aNewClientGetsARandomIdOf32HexDigitsAndACookieThatCarriesIt() {
        AsciiString id = Exchange.newClientId();
        assertThat(id.toString()).matches("[89a-f][0-9a-f]{15}[89a-f][0-9a-f]{15}");
        assertThat(Exchange.newClientId().toString()).isNotEqualTo(id.toString());
        assertThat(Exchange.setCookie("gp_client", id).toString())
                .isEqualTo("gp_client=" + id + "; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax");
    }

    @Test
    void anUpgradeKeepsItsUpgradeHeaders() {
        HttpHeaders h = new DefaultHttpHeaders().add("Connection", "Upgrade").add("Upgrade", "websocket").add("Sec-WebSocket-Key", "k");
        assertThat(HopByHop.isUpgrade(h)).isTrue();
        HopByHop.strip(h, true);
        assertThat(h.get("Connection")).isEqualToIgnoringCase("upgrade");
        assertThat(h.get("Upgrade")).isEqualTo("websocket");
        assertThat(h.get("Sec-WebSocket-Key")).isEqualTo("k");
    }
}
