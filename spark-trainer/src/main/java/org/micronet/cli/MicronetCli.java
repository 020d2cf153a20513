package org.micronet.cli;

import org.micronet.ingest.cli.IngestCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code bin/micronet}: one launcher, one subcommand per job. */
@Command(name = "micronet", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Train and inspect MicroNet image classifiers (DL4J on Spark).",
        subcommands = {SummaryCommand.class, IngestCommand.class, TrainCommand.class, SweepCommand.class,
                ReportCommand.class, BenchmarkCommand.class, PredictCommand.class,
                EvaluateCommand.class, ScoreCommand.class, CommandLine.HelpCommand.class})
public final class MicronetCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand");
    }

    public static CommandLine commandLine() {
        return new CommandLine(new MicronetCli())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler(MicronetCli::report);
    }

    /** A user's mistake (bad config, missing file) gets its message; anything else its stack trace too. */
    private static int report(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        boolean userError = e instanceof IllegalArgumentException || e instanceof java.io.UncheckedIOException
                || e instanceof java.io.IOException;
        cmd.getErr().println("micronet " + cmd.getCommandName() + ": error: " + e.getMessage());
        if (!userError) {
            e.printStackTrace(cmd.getErr());
        }
        return 2;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
