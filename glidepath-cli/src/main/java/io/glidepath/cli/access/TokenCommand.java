package io.glidepath.cli.access;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.cli.Main;
import io.glidepath.cli.client.ServerClient;
import io.glidepath.cli.options.DataDirOption;
import io.glidepath.cli.options.OutputOption;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code glidepath token create|list|revoke}: named tokens with roles (needs an admin token). */
@Command(name = "token", mixinStandardHelpOptions = true, description = "Creates, lists and revokes the server's named tokens (viewer, deployer, admin).",
        subcommands = {TokenCommand.Create.class, TokenCommand.ListTokens.class, TokenCommand.Revoke.class})
public final class TokenCommand implements Runnable {
    @Override
    public void run() {
        System.err.println("glidepath token: say create, list or revoke (glidepath token --help)");
    }

    abstract static class Call implements Callable<Integer> {
        @Mixin
        DataDirOption dataDir;

        @Mixin
        OutputOption output;

        abstract JsonNode send(ServerClient c) throws ServerClient.Unreachable, ServerClient.ApiError;

        abstract void print(JsonNode answer);

        @Override
        public Integer call() {
            JsonNode answer;
            try {
                answer = send(ServerClient.of(dataDir.dir()));
            } catch (ServerClient.Unreachable e) {
                System.err.println("glidepath token: " + e.getMessage());
                return Main.UNREACHABLE;
            } catch (ServerClient.ApiError e) {
                System.err.println("glidepath token: " + e.getMessage());
                e.body().path("errors").forEach(x -> System.err.println("  " + x.path("pointer").asText() + ": " + x.path("message").asText()));
                return e.status() == 400 ? Main.INVALID_INPUT : Main.FAILED;
            }
            if (output.json()) {
                System.out.println(answer.toPrettyString());
            } else {
                print(answer);
            }
            return Main.OK;
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Makes a token and prints it once: keep it, the server stores only its hash.")
    static final class Create extends Call {
        @Parameters(index = "0", paramLabel = "NAME", description = "Lower-case letters, digits, '.', '_' or '-' (for example ci-bot).")
        String name;

        @Option(names = "--role", required = true, description = "viewer (read), deployer (deploy, promote, abort) or admin (tokens, audit).")
        String role;

        @Override
        JsonNode send(ServerClient c) throws ServerClient.Unreachable, ServerClient.ApiError {
            return c.createToken(name, role);
        }

        @Override
        void print(JsonNode t) {
            System.out.println("token '" + t.path("name").asText() + "' (" + t.path("role").asText() + "):");
            System.out.println(t.path("token").asText());
            System.err.println("it is shown only now; pass it as GLIDEPATH_TOKEN or 'Authorization: Bearer <token>'");
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Every token: name, role, created, by whom, revoked.")
    static final class ListTokens extends Call {
        @Override
        JsonNode send(ServerClient c) throws ServerClient.Unreachable, ServerClient.ApiError {
            return c.tokens();
        }

        @Override
        void print(JsonNode answer) {
            System.out.println(String.format(Locale.ROOT, "%-24s %-9s %-20s %-14s %s", "NAME", "ROLE", "CREATED", "BY", "REVOKED"));
            for (JsonNode t : answer.path("tokens")) {
                System.out.println(String.format(Locale.ROOT, "%-24s %-9s %-20s %-14s %s", t.path("name").asText(), t.path("role").asText(),
                        day(t.path("created").asText("")), t.path("createdBy").asText("-"), t.has("revoked") ? day(t.path("revoked").asText()) : "-"));
            }
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revokes a token now: its next call gets 401.")
    static final class Revoke extends Call {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Override
        JsonNode send(ServerClient c) throws ServerClient.Unreachable, ServerClient.ApiError {
            return c.revokeToken(name);
        }

        @Override
        void print(JsonNode t) {
            System.out.println("token '" + t.path("name").asText() + "' revoked");
        }
    }

    static String day(String instant) {
        return instant.length() >= 19 ? instant.substring(0, 19).replace('T', ' ') : instant.isEmpty() ? "-" : instant;
    }
}
