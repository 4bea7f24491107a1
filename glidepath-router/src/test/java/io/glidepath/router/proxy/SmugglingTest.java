package io.glidepath.router.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.glidepath.router.testkit.Http;
import io.glidepath.router.testkit.RouterHarness;
import io.glidepath.router.testkit.SampleProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Each case on its own raw socket: refused with 400 (or 431), connection closed, nothing reaches the backend. */
class SmugglingTest {
    @TempDir
    static Path dir;
    static SampleProcess backend;
    static RouterHarness router;

    @BeforeAll
    static void start() throws Exception {
        backend = SampleProcess.start("v1");
        router = RouterHarness.start(dir);
        router.route("web", List.of(backend.address()));
    }

    @AfterAll
    static void stop() throws Exception {
        router.close();
        backend.close();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            content-length and transfer-encoding  | POST /upload HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 6\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\nGET /smuggled HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n
            transfer-encoding then content-length | POST /upload HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: chunked\\r\\nContent-Length: 6\\r\\n\\r\\n0\\r\\n\\r\\n
            differing repeated content-length     | POST /upload HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 4\\r\\nContent-Length: 5\\r\\n\\r\\nabcde
            differing content-length in one field | POST /upload HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 4, 5\\r\\n\\r\\nabcde
            non-numeric content-length            | POST /upload HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 4x\\r\\n\\r\\nabcd
            negative content-length               | POST /upload HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: -1\\r\\n\\r\\n
            obsolete line folding                 | GET / HTTP/1.1\\r\\nHost: x\\r\\nX-Folded: a\\r\\n  b\\r\\n\\r\\n
            folding with a tab                    | GET / HTTP/1.1\\r\\nHost: x\\r\\nX-Folded: a\\r\\n\\tTransfer-Encoding: chunked\\r\\n\\r\\n
            transfer-encoding other than chunked  | POST /upload HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: gzip, chunked\\r\\n\\r\\n0\\r\\n\\r\\n
            repeated host                         | GET / HTTP/1.1\\r\\nHost: x\\r\\nHost: y\\r\\n\\r\\n
            missing host                          | GET / HTTP/1.1\\r\\nUser-Agent: t\\r\\n\\r\\n
            space before colon                    | GET / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding : chunked\\r\\n\\r\\n
            """)
    void malformedRequestsAreRefusedAndTheConnectionClosed(String name, String request) throws Exception {
        assertRefused(request, "HTTP/1.1 400");
    }

    @ParameterizedTest(name = "chunk size {0}")
    @CsvSource(delimiter = '|', textBlock = """
            not hex         | zz
            negative        | -1
            hex prefix      | 0x5
            overflowing     | fffffffffffffffff
            wrapping at 32 bits to 5 | 100000005
            wrapping at 64 bits to 5 | 10000000000000005
            past 31 bits    | 80000000
            empty           | ''
            """)
    void invalidChunkSizesAreRefusedAndTheConnectionClosed(String name, String size) throws Exception {
        assertRefused("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + size + "\r\nabcde\r\n0\r\n\r\n", "HTTP/1.1 400");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            HTTP/9.9 | GET / HTTP/9.9\\r\\nHost: x\\r\\n\\r\\n
            HTTP/2.0 in an HTTP/1 request line | GET / HTTP/2.0\\r\\nHost: x\\r\\n\\r\\n
            HTTP/1.2 | POST /upload HTTP/1.2\\r\\nHost: x\\r\\nContent-Length: 5\\r\\n\\r\\nabcde
            """)
    void anUnknownHttpVersionGets505AndTheConnectionClosed(String name, String request) throws Exception {
        assertRefused(request, "HTTP/1.1 505");
    }

    @Test
    void oversizedHeadersGet431() throws Exception {
        assertRefused("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n", "HTTP/1.1 431");
    }

    @Test
    void aValidChunkedRequestStillGoesThrough() throws Exception {
        String out = Http.raw(router.port(), "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nabcde\r\n3;ext=1\r\nfgh\r\n0\r\n\r\n");
        assertThat(out).startsWith("HTTP/1.1 200").contains("received 8 bytes");
    }

    private static void assertRefused(String request, String statusLine) throws Exception {
        long before = served();
        String out = Http.raw(router.port(), request.replace("\\r", "\r").replace("\\n", "\n").replace("\\t", "\t"));
        assertThat(out).startsWith(statusLine);
        assertThat(out).doesNotContain("<<still open").as("the connection is closed");
        assertThat(out.indexOf("HTTP/1.1", 1)).as("exactly one response").isEqualTo(-1);
        assertThat(served()).as("nothing answered by the backend").isEqualTo(before);
    }

    private static long served() throws Exception {
        return router.admin().stats("web", Duration.ofSeconds(300)).endpoints().get(backend.address().toString()).status2xx();
    }
}
