package io.glidepath.cli.deploy;

import io.glidepath.cli.Main;
import io.glidepath.cli.client.ServerClient;
import io.glidepath.cli.options.DataDirOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code glidepath promote|approve|abort RELEASE}. */
public final class ControlCommands {
    private ControlCommands() {
    }

    abstract static class Control implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "RELEASE", description = "The release id (glidepath history lists them).")
        String release;

        @Mixin
        DataDirOption dataDir;

        abstract String verb();

        abstract void send(ServerClient c, String user) throws ServerClient.Unreachable, ServerClient.ApiError;

        @Override
        public Integer call() {
            try {
                send(ServerClient.of(dataDir.dir()), System.getProperty("user.name", "cli"));
                System.out.println(verb() + " " + release);
                return Main.OK;
            } catch (ServerClient.Unreachable e) {
                System.err.println("glidepath: " + e.getMessage());
                return Main.UNREACHABLE;
            } catch (ServerClient.ApiError e) {
                System.err.println("glidepath: " + e.getMessage());
                return Main.FAILED;
            }
        }
    }

    @Command(name = "promote", mixinStandardHelpOptions = true, description = "Lets a release paused at {pause: manual} go on.")
    public static final class Promote extends Control {
        @Override
        String verb() {
            return "promote sent to";
        }

        @Override
        void send(ServerClient c, String user) throws ServerClient.Unreachable, ServerClient.ApiError {
            c.promote(release, user);
        }
    }

    @Command(name = "approve", mixinStandardHelpOptions = true,
            description = {"Approves a release waiting for approval under the server's policy (docs/policies.md).",
                    "Needs a named token with the deployer role ($GLIDEPATH_TOKEN) other than the submitter's."})
    public static final class Approve extends Control {
        @picocli.CommandLine.Option(names = "--reason", paramLabel = "TEXT", description = "Why: journaled with the approval and audited.")
        String reason;

        @Override
        String verb() {
            return "approved";
        }

        @Override
        void send(ServerClient c, String user) throws ServerClient.Unreachable, ServerClient.ApiError {
            c.approve(release, user, reason);
        }
    }

    @Command(name = "abort", mixinStandardHelpOptions = true, description = "Rolls a running release back now (traffic first).")
    public static final class Abort extends Control {
        @Override
        String verb() {
            return "abort sent to";
        }

        @Override
        void send(ServerClient c, String user) throws ServerClient.Unreachable, ServerClient.ApiError {
            c.abort(release, user);
        }
    }
}
