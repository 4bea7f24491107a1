package io.glidepath.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.glidepath.server.dashboard.DashboardFiles;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard's files from the real server: served without a token, with a Content-Security-Policy
 * that allows no inline script and no other origin, nosniff, the right types; nothing outside the
 * fixed list; and the API behind them still asks for a token.
 */
class DashboardFilesEndToEndTest {
    @TempDir
    Path data;

    @Test
    void thePageAndItsFilesAreServedWithoutATokenUnderAStrictPolicy() throws Exception {
        try (Stack stack = Stack.start(data)) {
            HttpResponse<String> page = get(stack, "/", null);
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
            assertThat(page.headers().firstValue("Content-Security-Policy")).hasValue(DashboardFiles.CONTENT_SECURITY_POLICY);
            assertThat(DashboardFiles.CONTENT_SECURITY_POLICY).contains("script-src 'self';").doesNotContain("unsafe").contains("connect-src 'self'")
                    .contains("frame-ancestors 'none'");
            assertThat(page.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
            assertThat(page.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
            assertThat(page.body()).contains("<script type=\"module\" src=\"/ui/app.js\"></script>").doesNotContainPattern("<script>|<script [^>]*>[^<]");
            assertThat(get(stack, "/ui/", null).body()).isEqualTo(page.body());

            // every file the page and its modules name is served, with its type
            List<String> named = named(page.body(), "(?:src|href)=\"/ui/([^\"]+)\"");
            for (String js : List.of("app.js", "api.js", "sse.js", "dom.js", "chart.js", "controls.js", "live.js", "fleet.js", "history.js", "report.js")) {
                HttpResponse<String> f = get(stack, "/ui/" + js, null);
                assertThat(f.statusCode()).as(js).isEqualTo(200);
                assertThat(f.headers().firstValue("Content-Type")).as(js).hasValue("text/javascript; charset=utf-8");
                assertThat(f.headers().firstValue("Content-Security-Policy")).as(js).isPresent();
                named.addAll(named(f.body(), "from '\\./([^']+)'"));
            }
            assertThat(named).contains("style.css", "app.js", "favicon.svg", "live.js", "history.js", "sse.js");
            for (String name : named) {
                assertThat(get(stack, "/ui/" + name, null).statusCode()).as(name).isEqualTo(200);
            }
            assertThat(get(stack, "/ui/style.css", null).headers().firstValue("Content-Type")).hasValue("text/css; charset=utf-8");
            assertThat(get(stack, "/ui/favicon.svg", null).headers().firstValue("Content-Type")).hasValue("image/svg+xml");

            // unchanged files revalidate with their ETag
            String etag = get(stack, "/ui/app.js", null).headers().firstValue("ETag").orElseThrow();
            HttpResponse<String> again = stack.http.send(HttpRequest.newBuilder(stack.api("/ui/app.js")).header("If-None-Match", etag).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(again.statusCode()).isEqualTo(304);

            // nothing outside the list, however the path is spelled
            for (String path : List.of("/ui/missing.js", "/ui/..%2Fapi%2FServerApi.class", "/ui/%2e%2e/%2e%2e/pom.xml", "/index.html", "/ui/logback-test.xml")) {
                assertThat(get(stack, path, null).statusCode()).as(path).isIn(401, 404);
            }

            // the API still needs a token, and answers nosniff too
            HttpResponse<String> live = get(stack, "/v1/live", null);
            assertThat(live.statusCode()).isEqualTo(401);
            assertThat(get(stack, "/v1/releases", null).statusCode()).isEqualTo(401);
            HttpResponse<String> whoami = get(stack, "/v1/whoami", stack.token);
            assertThat(whoami.statusCode()).isEqualTo(200);
            assertThat(whoami.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        }
    }

    private static HttpResponse<String> get(Stack stack, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(stack.api(path));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return stack.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<String> named(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        List<String> out = new java.util.ArrayList<>();
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }
}
