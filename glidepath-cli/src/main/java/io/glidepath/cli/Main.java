package io.glidepath.cli;

import io.glidepath.cli.access.AuditCommand;
import io.glidepath.cli.access.TokenCommand;
import io.glidepath.cli.demo.DemoCommand;
import io.glidepath.cli.deploy.ControlCommands;
import io.glidepath.cli.deploy.DeployCommand;
import io.glidepath.cli.ops.DownCommand;
import io.glidepath.cli.ops.HistoryCommand;
import io.glidepath.cli.ops.LogsCommand;
import io.glidepath.cli.ops.ReportCommand;
import io.glidepath.cli.ops.ShowCommand;
import io.glidepath.cli.ops.StatusCommand;
import io.glidepath.cli.ops.UpCommand;
import io.glidepath.cli.plan.PlanCommand;
import io.glidepath.cli.router.RestartRouterCommand;
import io.glidepath.cli.router.RouterCommand;
import io.glidepath.cli.router.SuperviseRouterCommand;
import io.glidepath.cli.sample.SampleServiceCommand;
import io.glidepath.cli.server.ServerCommand;
import io.glidepath.cli.validate.ValidateCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code glidepath} command. */
@Command(name = "glidepath",
        mixinStandardHelpOptions = true,
        version = "glidepath 0.1.0",
        description = "Ships backend services to production with zero downtime.",
        subcommands = {UpCommand.class, DeployCommand.class, StatusCommand.class, ControlCommands.Promote.class, ControlCommands.Approve.class, ControlCommands.Abort.class,
                HistoryCommand.class, ShowCommand.class, ReportCommand.class, LogsCommand.class, ValidateCommand.class, PlanCommand.class, DownCommand.class, DemoCommand.class, RouterCommand.class, SuperviseRouterCommand.class, RestartRouterCommand.class,
                ServerCommand.class, SampleServiceCommand.class, TokenCommand.class, AuditCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    /** Exit codes shared by every command. */
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int INVALID_INPUT = 2;
    public static final int UNREACHABLE = 3;

    public static void main(String[] args) {
        // the long-running processes log what they do; user-facing commands only warnings (their output is for people)
        boolean daemon = args.length > 0 && (args[0].equals("router") || args[0].equals("server"));
        if (System.getProperty("GLIDEPATH_LOG_LEVEL") == null && System.getenv("GLIDEPATH_LOG_LEVEL") == null) {
            System.setProperty("GLIDEPATH_LOG_LEVEL", daemon ? "INFO" : "WARN");
        }
        System.exit(run(args));
    }

    public static int run(String... args) {
        return new CommandLine(new Main())
                .setParameterExceptionHandler((ex, a) -> {
                    CommandLine cmd = ex.getCommandLine();
                    cmd.getErr().println("glidepath: " + ex.getMessage());
                    cmd.getErr().println("Run '" + cmd.getCommandSpec().qualifiedName() + " --help' for the options.");
                    return INVALID_INPUT;
                })
                .setCaseInsensitiveEnumValuesAllowed(true)
                .execute(args);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
