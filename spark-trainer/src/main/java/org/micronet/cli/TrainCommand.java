package org.micronet.cli;

import org.apache.spark.api.java.JavaSparkContext;
import org.micronet.config.ConfigException;
import org.micronet.trainer.RunConfig;
import org.micronet.trainer.RunConfigLoader;
import org.micronet.trainer.RunFailedException;
import org.micronet.trainer.RunStore;
import org.micronet.trainer.SparkContexts;
import org.micronet.trainer.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a model on Spark, checkpointing every epoch, and export it.",
                "Synchronized SGD by parameter averaging with a cosine learning rate; every epoch evaluates, "
                        + "logs metrics.jsonl/csv and writes a checkpoint. Within an epoch it logs progress after "
                        + "every chunk of averaging rounds (progress.everySeconds long, default 30, or "
                        + "progress.everyRounds rounds) and, with checkpoints.everyMinutes, checkpoints too.",
                "Checks the output, export, data and model before any ingest or training; stops a run whose "
                        + "Spark work makes no progress for progress.stallMinutes.",
                "Each JVM that reads the data keeps what fits in data.cacheMb (default a quarter of its heap; 0: "
                        + "none) in memory, read and decoded once rather than every epoch.",
                "Ends with 'run:', 'export:', 'top1:', 'top5:'.",
                "Runs in local mode unless started by spark-submit or given --master."})
final class TrainCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, paramLabel = "<run.yaml>",
            description = "Run config (e.g. configs/runs/quickstart.yaml). Not needed with --resume.")
    Path config;

    @Option(names = "--set", paramLabel = "<key=value>",
            description = "Override a run config key, e.g. --set epochs=5 --set data.train=hdfs://nn/imagenet (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--resume", paramLabel = "<run dir>",
            description = "Continue the run in this directory from its latest checkpoint (an epoch's end or a point"
                    + " within one), with its saved config (plus any --set, e.g. more epochs).")
    String resume;

    @Option(names = "--overwrite", description = "Replace an existing export.")
    boolean overwrite;

    @Option(names = "--master", paramLabel = "<url>",
            description = "Spark master (default: spark-submit's, else local[*]).")
    String master;

    @Override
    public Integer call() throws IOException {
        if ((config == null) == (resume == null)) {
            throw new ConfigException("give either --config <run.yaml> or --resume <run dir>");
        }
        try (JavaSparkContext sc = SparkContexts.create("micronet-train", master)) {
            RunConfig cfg;
            if (resume != null) {
                RunStore store = new RunStore(resume, sc.hadoopConfiguration());
                if (!store.exists(Trainer.CONFIG)) {
                    throw new ConfigException("--resume " + resume + ": no " + Trainer.CONFIG + " there; is it a run directory?");
                }
                Path saved = Files.createTempFile("resumed-run", ".yaml");
                Files.writeString(saved, store.readString(Trainer.CONFIG));
                List<String> sets = new ArrayList<>(overrides);
                sets.add("output=" + store.uri());
                cfg = RunConfigLoader.load(saved, sets);
                Files.delete(saved);
            } else {
                cfg = RunConfigLoader.load(config, overrides);
            }
            Trainer.Result result;
            try {
                result = new Trainer(sc, cfg, overwrite).run(resume != null);
            } catch (RuntimeException e) {
                if (sc.sc().isStopped() && !(e instanceof IllegalArgumentException)) {  // what failed is only a symptom
                    throw new RunFailedException("Spark stopped the application: the master refused it (a cluster that"
                            + " needs a secret?), cannot be reached, or killed it; see Spark's log above. Then: "
                            + e.getMessage(), e);
                }
                throw e;
            }
            System.out.printf("run: %s%nexport: %s%ntop1: %.4f%ntop5: %.4f%n", result.runDirectory(), result.export(),
                    result.card().top1(), result.card().top5());
        }
        return 0;
    }
}
