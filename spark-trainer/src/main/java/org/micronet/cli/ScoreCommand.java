package org.micronet.cli;

import org.apache.spark.api.java.JavaSparkContext;
import org.micronet.inference.ScoreJob;
import org.micronet.trainer.SparkContexts;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "score", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Score images with an exported model as a Spark batch job.",
                "Writes one row per image (path, top-k class ids, names, probabilities) to "
                        + "<output>/parquet/part-*.parquet (and <output>/csv/ with --csv); images that cannot be "
                        + "decoded are listed in <output>/rejected.csv and skipped. Logs progress with an ETA.",
                "Works in a hidden staging folder published by one rename with _SUCCESS; rerun after an "
                        + "interruption, it keeps the part files already written.",
                "Ends with 'output:', 'images:', 'rejected:', 'parts:'.",
                "Runs in local mode unless started by spark-submit or given --master."})
final class ScoreCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "<export URI>",
            description = "An export of 'micronet train' (model.zip + model-card.json), any Hadoop URI.")
    String model;

    @Option(names = "--input", required = true, arity = "1..*", paramLabel = "<URI>",
            description = "Image files or folders of them (searched recursively), or one ingest output (all its splits).")
    List<String> inputs;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "<URI>", description = "Output folder (any Hadoop URI).")
    String output;

    @Option(names = "--top", defaultValue = "5", paramLabel = "<k>", description = "Classes per image (default ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--csv", description = "Also write CSV (columns path, id_1..k, name_1..k, probability_1..k).")
    boolean csv;

    @Option(names = "--overwrite", description = "Replace an existing output.")
    boolean overwrite;

    @Option(names = "--batch-size", defaultValue = "32", paramLabel = "<n>",
            description = "Images per forward pass (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--images-per-part", defaultValue = "1000", paramLabel = "<n>",
            description = "Images per part file and Spark task for image-file input (default ${DEFAULT-VALUE}; an ingest"
                    + " output has one part per shard).")
    int imagesPerPart;

    @Option(names = "--progress-seconds", defaultValue = "10", paramLabel = "<s>",
            description = "Seconds between progress lines (default ${DEFAULT-VALUE}).")
    int progressSeconds;

    @Option(names = "--master", paramLabel = "<url>", description = "Spark master (default: spark-submit's, else local[*]).")
    String master;

    @Override
    public Integer call() throws IOException {
        try (JavaSparkContext sc = SparkContexts.create("micronet-score", master)) {
            ScoreJob.Result r = ScoreJob.run(sc, new ScoreJob.Options(model, inputs, output, top, batchSize, csv,
                    overwrite, imagesPerPart, progressSeconds));
            System.out.printf("output: %s%nimages: %d%nrejected: %d%nparts: %d (%d kept from an interrupted run)%n",
                    r.output(), r.images(), r.rejected(), r.parts(), r.resumed());
        }
        return 0;
    }
}
