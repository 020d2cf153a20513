package org.micronet.cli;

import org.apache.spark.SparkException;
import org.micronet.ingest.DataException;
import org.micronet.ingest.IngestException;
import org.micronet.ingest.cli.ExitCode;
import org.micronet.ingest.cli.IngestCommand;
import org.micronet.trainer.RunFailedException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;

/** {@code bin/micronet}: one launcher, one subcommand per job. */
@Command(name = "micronet", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Train and inspect MicroNet image classifiers (DL4J on Spark).",
        subcommands = {SummaryCommand.class, IngestCommand.class, TrainCommand.class, SweepCommand.class,
                ReportCommand.class, BenchmarkCommand.class, PredictCommand.class, EvaluateCommand.class,
                ScoreCommand.class, ExportCommand.class, CommandLine.HelpCommand.class})
public final class MicronetCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand");
    }

    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new MicronetCli())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler(MicronetCli::report);
        documentExitCodes(cli);
        return cli;
    }

    private static void documentExitCodes(CommandLine cmd) {
        cmd.getCommandSpec().usageMessage().exitCodeListHeading("Exit codes:%n").exitCodeList(ExitCode.HELP);
        cmd.getSubcommands().values().forEach(MicronetCli::documentExitCodes);
    }

    /** The exit code of a failure, by the convention of {@link ExitCode}. */
    static int exitCode(Throwable e) {
        if (e instanceof DataException || e instanceof IngestException || e instanceof FileNotFoundException) {
            return ExitCode.DATA;
        }
        if (e instanceof IllegalArgumentException) {
            return ExitCode.USAGE;
        }
        if (e instanceof RunFailedException || e instanceof IOException || e instanceof UncheckedIOException
                || e instanceof SparkException) {
            return ExitCode.RUN_FAILED;
        }
        return ExitCode.INTERNAL;
    }

    /** A failure gets its message; a bug its stack trace too. */
    private static int report(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        int code = exitCode(e);
        cmd.getErr().println("micronet " + cmd.getCommandName() + ": error: " + e.getMessage());
        if (code == ExitCode.INTERNAL) {
            e.printStackTrace(cmd.getErr());
        }
        return code;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
