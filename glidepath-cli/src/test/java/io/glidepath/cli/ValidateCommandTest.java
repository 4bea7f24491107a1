package io.glidepath.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.route.RouteJson;
import io.glidepath.spec.ReleaseLimits;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class ValidateCommandTest {
    @TempDir
    Path dir;
    @RegisterExtension
    final ConsoleCapture console = new ConsoleCapture();
    final ByteArrayOutputStream out = console.out;
    final ByteArrayOutputStream err = console.err;

    Path file(String name, String text) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    @Test
    void aValidFileIsSummarisedAndExitsZero() throws Exception {
        Path f = file("shop.yaml", """
                release: shop-42
                services:
                  - name: catalog
                    version: 2.4.0
                    run: {command: [java, -jar, app.jar], replicas: 2}
                    route: {pathPrefix: /catalog}
                    steps: [{weight: 5}, {bake: 30s}, {weight: 50}, {pause: manual}]
                  - name: web
                    version: 1.0.0
                    dependsOn: [catalog]
                    strategy: blueGreen
                    run: {command: [java, -jar, web.jar]}
                    route: {host: shop.example.com}
                    smoke: [{name: home, request: {path: /}}]
                """);
        assertThat(Main.run("validate", f.toString())).isZero();
        assertThat(out.toString()).isEqualTo(f + " is valid: release shop-42, 2 services\n"
                + "  catalog 2.4.0  2 instances, route /catalog, canary 5% > bake 30s > 50% > pause\n"
                + "  web 1.0.0  1 instance, route shop.example.com/, blue-green, 1 smoke test, after catalog\n");
    }

    static final String WITH_MIGRATIONS = """
            release: shop-sku
            databases:
              - name: shop
                url: jdbc:postgresql://127.0.0.1:5432/shop?user=shop
                passwordEnv: SHOP_DB_PASSWORD
                expand: db/expand
                contract: db/contract
            %s
            services:
              - name: inventory
                version: 2.0.0
                database: shop
                run: {command: [java, -jar, inventory.jar]}
                route: {pathPrefix: /inventory}
            """;

    @Test
    void migrationsShowInOrderWithTheirLocksAndAFindingThatBlocksExitsTwo() throws Exception {
        Files.createDirectories(dir.resolve("db/expand"));
        Files.createDirectories(dir.resolve("db/contract"));
        file("db/expand/V2__sku.sql", "ALTER TABLE items ADD COLUMN sku text;\n\nCREATE INDEX items_sku_idx\n  ON items (sku);\n");
        file("db/contract/V3__drop_code.sql", "ALTER TABLE items DROP COLUMN code;\n");
        Path f = file("release.yaml", WITH_MIGRATIONS.formatted(""));
        assertThat(Main.run("validate", f.toString())).isEqualTo(Main.INVALID_INPUT);
        assertThat(out.toString()).contains(
                "  inventory 2.0.0  1 instance, route /inventory, canary 10% > bake 30s > 50% > bake 30s, database shop\n",
                "  database shop, expand, before wave 1 (inventory): 2 statements\n"
                        + "    db/expand/V2__sku.sql:1  ALTER TABLE items ADD COLUMN sku text  ACCESS EXCLUSIVE on items (blocks reads and writes)\n"
                        + "    db/expand/V2__sku.sql:3  CREATE INDEX items_sku_idx ON items (sku)  SHARE on items (blocks writes)\n"
                        + "      BLOCKS  db/expand/V2__sku.sql:3 require-concurrent-index-creation: CREATE INDEX on items without CONCURRENTLY\n",
                "  database shop, contract, once the release is promoted and no previous version of inventory is connected: 1 statement\n"
                        + "    db/contract/V3__drop_code.sql:1  ALTER TABLE items DROP COLUMN code  ACCESS EXCLUSIVE on items (blocks reads and writes)\n");
        assertThat(err.toString()).contains("would be refused by the safety gate");

        // allowed with a reason, the same file is valid, and the JSON carries the finding with its reason
        out.reset();
        Path allowed = file("allowed.yaml", WITH_MIGRATIONS.formatted("    allow:\n      - {rule: require-concurrent-index-creation, "
                + "file: db/expand/V2__sku.sql, line: 3, reason: items holds 40 rows and no traffic yet}"));
        assertThat(Main.run("validate", "--output", "json", allowed.toString())).isZero();
        JsonNode json = RouteJson.MAPPER.readTree(out.toString());
        assertThat(json.path("valid").asBoolean()).isTrue();
        JsonNode finding = json.path("migrations").path(0).path("findings").path(0);
        assertThat(finding.path("rule").asText()).isEqualTo("require-concurrent-index-creation");
        assertThat(finding.path("blocks").asBoolean()).isFalse();
        assertThat(finding.path("allowedBecause").asText()).isEqualTo("items holds 40 rows and no traffic yet");
        assertThat(json.path("migrations").path(0).path("statements")).hasSize(3);
    }

    @Test
    void aMigrationFolderThatIsNotThereIsReported() throws Exception {
        Path f = file("release.yaml", WITH_MIGRATIONS.formatted(""));
        assertThat(Main.run("validate", f.toString())).isEqualTo(Main.INVALID_INPUT);
        assertThat(out.toString()).contains("database shop: cannot be read: ", "release.yaml:3:5: database 'shop' expand folder db/expand (", "is not a folder");
    }

    @Test
    void anInvalidFilePrintsEveryLocatedErrorAndExitsTwo() throws Exception {
        Path f = file("bad.yaml", """
                services:
                  - name: catalog
                    version: 2.4.0
                    run: {command: [java], replicas: 0}
                    route: {pathPrefix: /catalog}
                    stratgy: canary
                """);
        assertThat(Main.run("validate", f.toString())).isEqualTo(Main.INVALID_INPUT);
        assertThat(err.toString()).isEqualTo(
                f + ":4:38: services[0].run.replicas: must be between 1 and 64; got 0\n"
                        + f + ":6:5: services[0].stratgy: unknown field \"stratgy\"; did you mean \"strategy\"?\n"
                        + "2 errors in " + f + "; nothing was started.\n");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void errorsComeAsJsonForScripts() throws Exception {
        Path f = file("bad.yaml", "services: []\n");
        assertThat(Main.run("validate", "--output", "json", f.toString())).isEqualTo(Main.INVALID_INPUT);
        JsonNode n = RouteJson.MAPPER.readTree(out.toString());
        assertThat(n.path("valid").asBoolean()).isFalse();
        assertThat(n.path("errors").get(0).path("line").asInt()).isEqualTo(1);
        assertThat(n.path("errors").get(0).path("column").asInt()).isEqualTo(11);
        assertThat(n.path("errors").get(0).path("path").asText()).isEqualTo("services");
    }

    @Test
    void aMissingFileIsInvalidInput() {
        assertThat(Main.run("validate", dir.resolve("nope.yaml").toString())).isEqualTo(Main.INVALID_INPUT);
        assertThat(err.toString()).contains("nope.yaml:1:1: cannot read the file: no such file");
    }

    static final String SERVICE = """
            services:
              - name: catalog
                version: 2.4.0
                run: {command: [java, -jar, app.jar]}
                route: {pathPrefix: /catalog}
            """;

    /** Validates {@code f}: exit 2, exactly one located error starting with {@code expected}, and no stack trace. */
    void refused(Path f, String expected) {
        out.reset();
        err.reset();
        assertThat(Main.run("validate", f.toString())).as(f.getFileName().toString()).isEqualTo(Main.INVALID_INPUT);
        String text = err.toString(StandardCharsets.UTF_8);
        assertThat(text).as(f.getFileName().toString()).startsWith(f + ":" + expected)
                .endsWith("\n1 error in " + f + "; nothing was started.\n")
                .doesNotContain("Exception", "Error:", "\tat ");
        assertThat(text.lines()).hasSize(2);
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void hostileFilesAreInvalidInputWithOneLocatedMessageAndNoStackTrace() throws Exception {
        refused(file("brackets.yaml", "services: " + "[".repeat(10_000)), "1:42: nested more than 32 levels deep");
        refused(file("braces.json", "{\"services\": " + "{\"a\": ".repeat(10_000)), "1:200: nested more than 32 levels deep");
        refused(file("dashes.yaml", "services:\n" + "- ".repeat(10_000) + "x\n"), "2:63: nested more than 32 levels deep");
        StringBuilder laughs = new StringBuilder("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (char c = 'b'; c <= 'i'; c++) {
            laughs.append(c).append(": &").append(c).append(" [").append(String.join(", ", java.util.Collections.nCopies(9, "*" + (char) (c - 1))))
                    .append("]\n");
        }
        refused(file("laughs.yaml", laughs + "services: *i\n"), "7:28: more than 50 aliases (*name) in one file");
        refused(file("scalar.yaml", SERVICE.replace("2.4.0", "9".repeat(1_000_000))),
                "3:14: this value is 1000000 characters long; a key or value may be at most 65536 characters");
        Path binary = dir.resolve("binary.yaml");
        Files.write(binary, new byte[] {'s', 'e', 'r', 'v', (byte) 0xff, (byte) 0xd8, 0, 0});
        refused(binary, "1:5: the file is not UTF-8 text: byte 0xFF at offset 4 cannot be read; is this a binary file?");
        refused(file("nul.yaml", SERVICE.replace("app.jar", "app.jar\0")), "4:40: the file holds a NUL character (U+0000)");
    }

    @Test
    void validMeansTheServerTakesIt() throws Exception {
        // exactly the server's body limit (4 MiB) is valid; the 53 MB file of the report is not
        String head = SERVICE + "# ";
        Path atLimit = file("at-limit.yaml", head + "x".repeat(ReleaseLimits.MAX_BYTES - head.length() - 1) + "\n");
        assertThat(Files.size(atLimit)).isEqualTo(ReleaseLimits.MAX_BYTES);
        assertThat(Main.run("validate", atLimit.toString())).isZero();
        assertThat(out.toString()).startsWith(atLimit + " is valid: 1 service");

        Path big = file("big.yaml", SERVICE + ("# " + "x".repeat(97) + "\n").repeat(530_000));
        refused(big, "1:1: the file is " + Files.size(big) + " bytes, over the limit of 4 MiB (4194304 bytes), the largest release the server accepts");
        assertThat(Main.run("plan", big.toString())).isEqualTo(Main.INVALID_INPUT);
        assertThat(err.toString()).contains("over the limit of 4 MiB");
    }
}
