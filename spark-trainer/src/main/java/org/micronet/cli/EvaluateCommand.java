package org.micronet.cli;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.micronet.config.ConfigException;
import org.micronet.inference.EvaluationReport;
import org.micronet.inference.ExportEvaluation;
import org.micronet.trainer.ExportedModel;
import org.micronet.trainer.RunStore;
import org.micronet.trainer.SparkContexts;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluate an exported model on labelled data on Spark.",
                "Prints top-1, top-5, loss, per-class accuracy and the confusion matrix; with --output also "
                        + "writes metrics.csv, per-class.csv, confusion.csv and report.html.",
                "Uses the code and preprocessing that training validates with: on the run's own validation "
                        + "data it reproduces the final top-1.",
                "Raw data is ingested first as the model card says (into --work, else a temporary folder).",
                "Runs in local mode unless started by spark-submit or given --master."})
final class EvaluateCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "<export URI>",
            description = "An export of 'micronet train' (model.zip + model-card.json), any Hadoop URI.")
    String model;

    @Option(names = "--data", required = true, paramLabel = "<URI>",
            description = "An ingest output (manifest.json), or raw ILSVRC or WebDataset input.")
    String data;

    @Option(names = "--split", defaultValue = "val", paramLabel = "<name>", description = "Split to evaluate (default ${DEFAULT-VALUE}).")
    String split;

    @Option(names = {"-o", "--output"}, paramLabel = "<dir>",
            description = "Folder for the CSV files and report.html (any Hadoop URI); written whole or not at all.")
    String output;

    @Option(names = "--overwrite", description = "Replace an existing --output.")
    boolean overwrite;

    @Option(names = "--work", paramLabel = "<URI>",
            description = "Where raw --data is ingested (kept and reused); default: a temporary folder, removed after."
                    + " On a cluster give a shared URI (hdfs://...).")
    String work;

    @Option(names = "--batch-size", defaultValue = "32", paramLabel = "<n>",
            description = "Images per batch (default ${DEFAULT-VALUE}, the quickstart's batchSizePerWorker).")
    int batchSize;

    @Option(names = "--partitions", defaultValue = "2", paramLabel = "<n>",
            description = "Spark partitions of the data (default ${DEFAULT-VALUE}; training evaluates with one per worker).")
    int partitions;

    @Option(names = "--master", paramLabel = "<url>", description = "Spark master (default: spark-submit's, else local[*]).")
    String master;

    @Override
    public Integer call() throws IOException {
        if (batchSize < 1) throw new ConfigException("--batch-size is " + batchSize + ", expected at least 1");
        if (partitions < 1) throw new ConfigException("--partitions is " + partitions + ", expected at least 1");
        Configuration conf = new Configuration();
        RunStore out = output == null ? null : new RunStore(output, conf);
        if (out != null && out.exists() && !overwrite) {
            throw new ConfigException("--output " + out.uri() + " already exists; pass --overwrite to replace it");
        }
        ExportedModel exported = ExportedModel.load(model, conf);
        java.nio.file.Path tmp = work == null ? Files.createTempDirectory("micronet-evaluate") : null;
        try (JavaSparkContext sc = SparkContexts.create("micronet-evaluate", master)) {
            RunStore workStore = new RunStore(work != null ? work : tmp.toUri().toString(), sc.hadoopConfiguration());
            ExportEvaluation e = ExportEvaluation.run(sc, exported, data, split, workStore, batchSize, partitions);
            if (out != null) {
                write(out, EvaluationReport.files(e), conf);
            }
            System.out.print(EvaluationReport.text(e));
            if (out != null) {
                System.out.println("\noutput: " + out.uri());
            }
        } finally {
            if (tmp != null) {
                FileSystem.getLocal(conf).delete(new Path(tmp.toUri()), true);
            }
        }
        return 0;
    }

    /** All files into a staging folder, then one rename: a reader never sees half a report. */
    private static void write(RunStore out, Map<String, String> files, Configuration conf) throws IOException {
        RunStore parent = new RunStore(out.root().getParent().toString(), conf);
        Path staging = parent.stagingFor(out.root().getName());
        for (Map.Entry<String, String> f : files.entrySet()) {
            try (var stream = parent.create(new Path(staging, f.getKey()))) {
                stream.write(f.getValue().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        parent.publish(staging, out.root());
    }
}
