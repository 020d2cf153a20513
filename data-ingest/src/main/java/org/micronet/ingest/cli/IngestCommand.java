package org.micronet.ingest.cli;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.micronet.ingest.IngestException;
import org.micronet.ingest.IngestJob;
import org.micronet.ingest.IngestOptions;
import org.micronet.ingest.IngestResult;
import org.micronet.ingest.source.Layout;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code micronet ingest}: ImageNet-format data to training shards, as a picocli (sub)command. */
@Command(name = "ingest", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
                "Reads ImageNet-format data (ILSVRC2012 folders or WebDataset tar shards) from any Hadoop filesystem,"
                        + " decodes every image, converts grayscale and CMYK to RGB, shrinks the short side, re-encodes JPEG"
                        + " and writes WebDataset tar shards (<key>.jpg + <key>.cls) with manifest.json and classes.tsv.",
                "Unreadable images are skipped and listed in the manifest with the reason. The output appears"
                        + " atomically; re-running over a finished output does nothing; an interrupted run resumes."})
public final class IngestCommand implements Callable<Integer> {

    @Option(names = "--input", required = true, paramLabel = "URI",
            description = "Input dataset: a folder (file://, hdfs://, any configured scheme, or a local path) or one .tar shard.")
    String input;

    @Option(names = "--output", required = true, paramLabel = "URI",
            description = "Output folder for the shards, manifest.json and classes.tsv; must not exist unless it is a"
                    + " finished ingest (then nothing is done) or --overwrite is given.")
    String output;

    @Option(names = "--layout", paramLabel = "ilsvrc|webdataset", converter = LayoutConverter.class,
            description = "Input layout; detected when omitted (.tar files at the top or in train/, val/ mean webdataset).")
    Layout layout;

    @Option(names = "--short-side", paramLabel = "PIXELS", defaultValue = "256",
            description = "Resize so that the shorter side has this many pixels (default: ${DEFAULT-VALUE}).")
    int shortSide;

    @Option(names = "--upscale", description = "Also enlarge images whose short side is smaller (default: keep their size).")
    boolean upscale;

    @Option(names = "--jpeg-quality", paramLabel = "1-100", defaultValue = "90",
            description = "Quality of re-encoded JPEGs (default: ${DEFAULT-VALUE}). JPEGs that need neither resizing nor"
                    + " colour conversion keep their original bytes.")
    int jpegQuality;

    @Option(names = "--shard-size", paramLabel = "IMAGES", defaultValue = "1000",
            description = "Images per output shard (default: ${DEFAULT-VALUE}).")
    int shardSize;

    @Option(names = "--max-reject-fraction", paramLabel = "FRACTION", defaultValue = "0.01",
            description = "Fail, publishing nothing, when more than this fraction of the inputs is rejected"
                    + " (default: ${DEFAULT-VALUE}).")
    double maxRejectFraction;

    @Option(names = "--overwrite", description = "Replace an existing output (it stays in place until the new one is complete).")
    boolean overwrite;

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master (default: spark.master as set by spark-submit, else local[*]).")
    String master;

    @Option(names = "--partitions", paramLabel = "N", defaultValue = "0",
            description = "Spark tasks writing shards; 0 = one task per shard (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--seed", defaultValue = "0",
            description = "Seed of the assignment of images to shards (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--progress-seconds", paramLabel = "SECONDS", defaultValue = "10",
            description = "Interval of the progress log lines with counts, rate and ETA (default: ${DEFAULT-VALUE}).")
    int progressSeconds;

    public static void main(String[] args) {
        System.exit(new CommandLine(new IngestCommand()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        IngestOptions options = toOptions();
        try {
            options.validate();
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return ExitCode.USAGE;
        }
        SparkConf conf = new SparkConf().setAppName("micronet-ingest");
        if (master != null) {
            conf.setMaster(master);
        } else if (!conf.contains("spark.master")) {
            conf.setMaster("local[*]");
        }
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            IngestResult result = IngestJob.run(options, sc);
            System.out.printf("%s: %d images %s, %d classes, %d rejected%s%n", output, result.manifest().images,
                    result.manifest().imagesPerSplit, result.manifest().classes.size(), result.manifest().rejected.size(),
                    result.alreadyDone() ? " (already complete, nothing done)" : "");
            return 0;
        } catch (IngestException e) {
            System.err.println("ingest failed: " + e.getMessage());
            return ExitCode.DATA;
        }
    }

    IngestOptions toOptions() {
        IngestOptions o = new IngestOptions(input, output);
        o.layout = layout;
        o.shortSide = shortSide;
        o.upscale = upscale;
        o.jpegQuality = jpegQuality;
        o.shardSize = shardSize;
        o.maxRejectFraction = maxRejectFraction;
        o.overwrite = overwrite;
        o.partitions = partitions;
        o.seed = seed;
        o.progressSeconds = progressSeconds;
        return o;
    }

    static final class LayoutConverter implements CommandLine.ITypeConverter<Layout> {
        @Override
        public Layout convert(String value) {
            return Layout.parse(value);
        }
    }
}
