package io.glidepath.server.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.glidepath.route.EndpointAddress;
import io.glidepath.server.Server;
import io.glidepath.spec.SpecError;
import io.glidepath.time.Clock;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Webhooks files: what a good one gives, and each mistake located with its field and a hint, all at once, secrets never shown. */
class WebhooksFileTest {
    static final String SECRET = "k3y-that-must-never-be-shown";

    @TempDir
    Path dir;
    Path file;

    @BeforeEach
    void secrets() throws Exception {
        Files.writeString(dir.resolve("team.secret"), SECRET + "\n");
        Files.createDirectories(dir.resolve("keys"));
        Files.writeString(dir.resolve("keys/ops.secret"), "  other key \n");
        Files.writeString(dir.resolve("empty.secret"), "\n");
        file = dir.resolve("webhooks.yaml");
    }

    /** Reads {@code yaml} as the webhooks file; returns every error's text (none: an empty list). */
    List<String> errors(String yaml) throws Exception {
        Files.writeString(file, yaml);
        try {
            WebhooksFile.read(file);
            return List.of();
        } catch (InvalidWebhooksException e) {
            assertThat(e.getMessage()).doesNotContain(SECRET);
            return e.errors().stream().map(SpecError::toString).toList();
        }
    }

    @Test
    void aGoodFileGivesEachWebhookItsUrlKeyEventsAndServices() throws Exception {
        Files.writeString(file, """
                # notifications for the team
                webhooks:
                  - name: team
                    url: https://hooks.example.com/services/T0/B0/xyz
                    secretFile: team.secret
                  - name: ops
                    url: http://127.0.0.1:9000/glidepath
                    secretFile: keys/ops.secret
                    events: [rolledBack, failed]
                    services: [checkout, cart]
                """);
        List<Webhook> hooks = WebhooksFile.read(file);
        assertThat(hooks).extracting(Webhook::name).containsExactly("team", "ops");
        Webhook team = hooks.get(0);
        assertThat(team.url()).isEqualTo(URI.create("https://hooks.example.com/services/T0/B0/xyz"));
        assertThat(team.events()).isEqualTo(EnumSet.allOf(WebhookEvent.class));
        assertThat(team.services()).isEmpty();
        Webhook ops = hooks.get(1);
        assertThat(ops.events()).containsExactlyInAnyOrder(WebhookEvent.ROLLED_BACK, WebhookEvent.FAILED);
        assertThat(ops.services()).containsExactlyInAnyOrder("checkout", "cart");
        // the key is the file's content without surrounding whitespace
        byte[] body = "{\"text\":\"hi\"}".getBytes(StandardCharsets.UTF_8);
        assertThat(team.key().signature(body)).isEqualTo(hmac(SECRET, body));
        assertThat(ops.key().signature(body)).isEqualTo(hmac("other key", body));
        // printing a webhook shows neither its key nor its URL's path
        assertThat(hooks.toString()).doesNotContain(SECRET).doesNotContain("xyz").contains("https://hooks.example.com");
    }

    @Test
    void eachMistakeIsLocatedWithItsFieldAndAHint() throws Exception {
        String f = file.toString();
        assertThat(errors("""
                webhooks:
                  - name: team
                    url: https://hooks.example.com/x
                    secretFile: team.secret
                    evnts: [promoted]
                """)).containsExactly(f + ":5:5: webhooks[0].evnts: unknown field \"evnts\"; did you mean \"events\"?");
        assertThat(errors("""
                webhooks:
                  - name: team
                    url: https://hooks.example.com/x
                    secretFile: missing.secret
                """)).containsExactly(f + ":4:17: webhooks[0].secretFile: no such file: " + dir.resolve("missing.secret") + " (relative to " + dir
                + "); put the webhook's HMAC key in it, for example: head -c 32 /dev/urandom | base64 > " + dir.resolve("missing.secret"));
        assertThat(errors("""
                webhooks:
                  - {name: team, url: "ftp://files.example.com/hook", secretFile: team.secret}
                """)).containsExactly(f + ":2:23: webhooks[0].url: must be an http:// or https:// URL; got a ftp: URL");
        assertThat(errors("""
                webhooks:
                  - name: team
                    url: https://hooks.example.com/x
                    secretFile: team.secret
                    events: [started, promote, rolledback]
                """)).containsExactly(
                f + ":5:23: webhooks[0].events[1]: unknown event \"promote\"; did you mean \"promoted\"?",
                f + ":5:32: webhooks[0].events[2]: unknown event \"rolledback\"; did you mean \"rolledBack\"?");
        assertThat(errors("""
                webhooks:
                  - {name: team, url: "https://a.example.com/x", secretFile: team.secret}
                  - {name: team, url: "https://b.example.com/x", secretFile: team.secret}
                """)).containsExactly(f + ":3:6: webhooks[1].name: webhook 'team' appears twice (first at line 2); give each its own name");
        assertThat(errors("""
                webhooks:
                  - name: team
                    secretFile: empty.secret
                    services: []
                """)).containsExactly(
                f + ":2:5: webhooks[0].url: is required",
                f + ":3:17: webhooks[0].secretFile: " + dir.resolve("empty.secret") + " is empty; put the webhook's HMAC key in it, for example: "
                        + "head -c 32 /dev/urandom | base64 > " + dir.resolve("empty.secret"),
                f + ":4:15: webhooks[0].services: is empty, so nothing would be sent; leave the field out to mean all");
        assertThat(errors("""
                hooks:
                  - name: team
                """)).containsExactly(
                f + ":1:1: hooks: unknown field \"hooks\"; did you mean \"webhooks\"?",
                f + ":1:1: webhooks: is required: the list of webhooks, each with name, url and secretFile");
        assertThat(errors("webhooks: {name: team}\n"))
                .containsExactly(f + ":1:11: webhooks: must be a list of webhooks, each with name, url and secretFile; got a mapping");
        assertThat(errors("webhooks:\n  - name: team\n   url: x\n")).singleElement().asString()
                .startsWith(f + ":3:").contains("this is not valid YAML");
        assertThat(errors("# nothing yet\n")).containsExactly(f
                + ":1:1: the file is empty; it needs a webhooks list, such as webhooks: [{name: team, url: https://..., secretFile: team.secret}]");
        assertThat(errors("""
                webhooks:
                  - name: "team one"
                    url: "https://"
                    secretFile: keys
                    services: [Checkout]
                """)).containsExactly(
                f + ":2:11: webhooks[0].name: \"team one\" is not valid: use 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit",
                f + ":3:10: webhooks[0].url: is not a valid URL (Expected authority at character 9); write it as http://host:port/path or https://host/path",
                f + ":4:17: webhooks[0].secretFile: " + dir.resolve("keys") + " is a directory, not a file; put the webhook's HMAC key in it, for example: "
                        + "head -c 32 /dev/urandom | base64 > " + dir.resolve("keys"),
                f + ":5:16: webhooks[0].services[0]: \"Checkout\" is not a service name: use 1-63 characters a-z, 0-9 and '-', as in release files");
    }

    @Test
    void hostileFilesGetOneLocatedErrorLikeReleaseFiles() throws Exception {
        String f = file.toString();
        assertThat(errors("webhooks: " + "[".repeat(5_000))).singleElement().asString()
                .startsWith(f + ":1:42: nested more than 32 levels deep");
        assertThat(errors("webhooks:\n  - " + "{a: ".repeat(5_000))).singleElement().asString()
                .startsWith(f + ":2:125: nested more than 32 levels deep");
        assertThat(errors("webhooks:\n  - name: " + "t".repeat(100_000) + "\n")).singleElement().asString()
                .startsWith(f + ":2:11: this value is 100000 characters long");
        assertThat(errors("a: &a [*a]\nwebhooks: *a\n")).singleElement().asString()
                .startsWith(f + ":1:4: an alias here refers to a mapping or list that contains it");
        assertThat(errors("webhooks:\n  - name: team\0\n")).singleElement().asString()
                .startsWith(f + ":2:15: the file holds a NUL character (U+0000)");
        Files.write(file, new byte[] {'w', 'e', 'b', (byte) 0xc3, '(', '\n'});
        assertThatThrownBy(() -> WebhooksFile.read(file)).isInstanceOfSatisfying(InvalidWebhooksException.class,
                e -> assertThat(e.errors()).extracting(SpecError::toString).singleElement().asString()
                        .startsWith(f + ":1:4: the file is not UTF-8 text: byte 0xC3 at offset 3"));
        assertThat(errors("webhooks: []\n# " + "x".repeat(5 << 20) + "\n")).singleElement().asString()
                .startsWith(f + ":1:1: the file is " + (16 + (5 << 20)) + " bytes, over the limit of 4 MiB");
    }

    @Test
    void aBadOrMissingFileStopsTheServerBeforeItTouchesAnything() throws Exception {
        Path data = dir.resolve("data");
        Files.writeString(file, "webhooks:\n  - {name: team, url: \"https://a.example.com/x\", secretFile: nope.secret}\n");
        Server.Config config = new Server.Config(data, "127.0.0.1", 0, URI.create("http://127.0.0.1:1"), dir.resolve("admin.token"),
                new EndpointAddress("127.0.0.1", 1), Clock.system(), file);
        assertThatThrownBy(() -> Server.start(config)).isInstanceOf(InvalidWebhooksException.class)
                .hasMessageStartingWith("the webhooks file " + file + " has 1 error:\n  " + file + ":2:62: webhooks[0].secretFile: no such file: ");
        Server.Config missing = new Server.Config(data, "127.0.0.1", 0, URI.create("http://127.0.0.1:1"), dir.resolve("admin.token"),
                new EndpointAddress("127.0.0.1", 1), Clock.system(), dir.resolve("absent.yaml"));
        assertThatThrownBy(() -> Server.start(missing)).isInstanceOf(NoSuchFileException.class)
                .hasMessage(dir.resolve("absent.yaml") + ": no such webhooks file");
        assertThat(data).doesNotExist();
        // no file named and none in the data directory: no webhooks
        assertThat(new Server.Config(data, "127.0.0.1", 0, URI.create("http://127.0.0.1:1"), dir.resolve("admin.token"),
                new EndpointAddress("127.0.0.1", 1), Clock.system()).webhooks()).isEmpty();
        assertThat(Server.defaultWebhooksFile(data)).isEqualTo(data.resolve("server/webhooks.yaml"));
    }

    static String hmac(String key, byte[] body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
    }
}
