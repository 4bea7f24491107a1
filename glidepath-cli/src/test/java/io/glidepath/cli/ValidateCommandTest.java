package io.glidepath.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.route.RouteJson;
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
}
