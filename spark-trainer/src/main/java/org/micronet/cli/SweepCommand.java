package org.micronet.cli;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.micronet.config.ConfigException;
import org.micronet.sweep.ChildProcessLauncher;
import org.micronet.sweep.InProcessLauncher;
import org.micronet.sweep.SweepPlan;
import org.micronet.sweep.SweepRun;
import org.micronet.sweep.SweepRunner;
import org.micronet.sweep.SweepSummary;
import org.micronet.trainer.SparkContexts;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "sweep", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train every run of a sweep (configs/sweeps/*.yaml) and summarise them.",
                "Axes over run and model keys, as lists, grids and zipped groups.",
                "Each run gets a folder named from its values in the sweep directory.",
                "Finished runs are skipped, interrupted ones resume, a failed run is recorded and the others go on.",
                "summary.csv and summary.md in the sweep directory are refreshed after every run.",
                "Exits 1 when some run failed."})
final class SweepCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, paramLabel = "<sweep.yaml>", description = "The sweep to run (or list).")
    Path config;

    @Option(names = "--set", paramLabel = "<key=value>",
            description = "Override a key for every run, as train's --set; model.* keys change the model config"
                    + " (e.g. --set epochs=2 --set model.head.dropout=0.1). Repeatable.")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--output", paramLabel = "<dir>", description = "Sweep directory (any Hadoop URI) instead of the YAML's output.")
    String output;

    @Option(names = "--list", description = "Print the runs and their overrides, train nothing.")
    boolean list;

    @Option(names = "--status", paramLabel = "<dir>", description = "Print the summary table of a sweep directory and exit.")
    String status;

    @Option(names = "--separate",
            description = "Run each run as its own Spark application: a child process '<launcher> train --resume <run>'.")
    boolean separate;

    @Option(names = "--launcher", paramLabel = "<command>",
            description = "With --separate: the command before 'train' (split on spaces), e.g. 'spark-submit --master"
                    + " yarn --class org.micronet.cli.MicronetCli micronet.jar'. Default: this JVM again.")
    String launcher;

    @Option(names = "--master", paramLabel = "<url>", description = "Spark master (default: spark-submit's, else local[*]).")
    String master;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = new PrintWriter(System.out, true);
        if (status != null) {
            out.print(SweepSummary.collect(status, new Configuration()).markdown());
            out.flush();
            return 0;
        }
        if (config == null) {
            throw new ConfigException("give --config <sweep.yaml>, or --status <sweep dir>");
        }
        if (launcher != null && !separate) {
            throw new ConfigException("--launcher applies to --separate runs only");
        }
        SweepPlan plan = SweepPlan.of(config, overrides, output);
        if (list) {
            out.printf("%d runs in %s%n", plan.runs().size(), plan.directory());
            for (SweepRun r : plan.runs()) {
                out.printf("%s\t%s%n", r.name(), r.overrides());
            }
            return 0;
        }
        List<SweepRunner.RunOutcome> outcomes;
        if (separate) {
            List<String> prefix = launcher == null ? List.of() : Arrays.asList(launcher.trim().split("\\s+"));
            outcomes = new SweepRunner(plan, new Configuration(), new ChildProcessLauncher(prefix, master)).run();
        } else {
            try (JavaSparkContext sc = SparkContexts.create("micronet-sweep", master)) {
                outcomes = new SweepRunner(plan, sc.hadoopConfiguration(), new InProcessLauncher(sc)).run();
            }
        }
        out.print(SweepSummary.collect(plan.directory(), new Configuration()).markdown());
        long failed = outcomes.stream().filter(o -> o.outcome() == SweepRunner.Outcome.FAILED).count();
        out.printf("sweep: %s%nruns: %d, failed: %d%n", plan.directory(), outcomes.size(), failed);
        return failed == 0 ? 0 : 1;
    }
}
