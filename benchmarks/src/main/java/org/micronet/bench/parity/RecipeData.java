package org.micronet.bench.parity;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.micronet.ingest.IngestJob;
import org.micronet.ingest.IngestOptions;
import org.micronet.ingest.OutputLayout;
import org.micronet.ingest.loader.ShardLoader;
import org.micronet.trainer.RunConfig;
import org.micronet.trainer.SparkContexts;
import org.nd4j.linalg.dataset.DataSet;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;

/**
 * A run's training and validation minibatches exactly as our trainer's workers get them: the same
 * ingest output, {@link ShardLoader} with one partition per worker, the same random-resized-crop
 * minimum scale, seed, epoch and batch size per worker, read through a local Spark context of one
 * thread. Training minibatch {@code i} of every partition makes up round {@code i} of the epoch.
 */
public final class RecipeData implements AutoCloseable {
    private final JavaSparkContext sc;
    private final RunConfig cfg;
    private final int inputSize;
    private final ShardLoader train;
    private final ShardLoader val;
    private final String trainShards;
    private final String valShards;

    private RecipeData(JavaSparkContext sc, RunConfig cfg, int inputSize, String trainShards, String valShards)
            throws IOException {
        this.sc = sc;
        this.cfg = cfg;
        this.inputSize = inputSize;
        this.trainShards = trainShards;
        this.valShards = valShards;
        this.train = ShardLoader.open(sc, trainShards).withPartitions(cfg.workers())
                .withMinCropScale(cfg.data().minCropScale());
        this.val = ShardLoader.open(sc, valShards).withPartitions(cfg.workers());
        if (!classes(train).equals(classes(val))) {
            throw new IllegalArgumentException("data.train and data.val have different class indexes");
        }
    }

    private static List<String> classes(ShardLoader loader) {
        return loader.manifest().classes.stream().map(c -> c.wnid).toList();
    }

    /**
     * @param oursRun   our finished (or running) run directory whose {@code ingest/} holds the shards
     *                  of raw input; null to ingest raw input into {@code out/ingest} here
     * @param inputSize the model's input resolution
     */
    public static RecipeData open(RunConfig cfg, String oursRun, String out, int inputSize) throws IOException {
        JavaSparkContext sc = SparkContexts.create("micronet-parity-torch-data", "local[1]");
        try {
            String trainShards = shards(sc, cfg.data().train(), oursRun, out, cfg.data().shortSide());
            String valShards = cfg.data().val().equals(cfg.data().train()) ? trainShards
                    : shards(sc, cfg.data().val(), oursRun, out, cfg.data().shortSide());
            return new RecipeData(sc, cfg, inputSize, trainShards, valShards);
        } catch (IOException | RuntimeException e) {
            sc.close();
            throw e;
        }
    }

    /**
     * Where the trainer reads {@code uri} from: an ingest output as it is; raw input from
     * {@code <run>/ingest/<name>}, as the trainer's Datasets.open ingests it.
     */
    private static String shards(JavaSparkContext sc, String uri, String oursRun, String out, int shortSide)
            throws IOException {
        Path input = new Path(uri);
        FileSystem fs = input.getFileSystem(sc.hadoopConfiguration());
        if (fs.exists(new Path(input, OutputLayout.MANIFEST))) {
            return uri;
        }
        if (oursRun != null) {
            // the raw input itself need not be here: the run's ingest output is what both sides read
            Path shards = new Path(new Path(oursRun, "ingest"), input.getName());
            if (!fs.exists(new Path(shards, OutputLayout.MANIFEST))) {
                throw new IllegalArgumentException(uri + " is not an ingest output, and our run " + oursRun
                        + " has no finished ingest of it at " + shards);
            }
            return shards.toString();
        }
        if (!fs.exists(input)) {
            throw new IllegalArgumentException("data: " + uri + " does not exist");
        }
        Path shards = new Path(new Path(out, "ingest"), input.getName());
        if (!fs.exists(new Path(shards, OutputLayout.MANIFEST))) {
            System.out.printf("%s is raw input; ingesting it into %s (short side %d)%n", uri, shards, shortSide);
            IngestOptions options = new IngestOptions(uri, shards.toString());
            options.shortSide = shortSide;
            IngestJob.run(options, sc);
        }
        return shards.toString();
    }

    public String trainShards() {
        return trainShards;
    }

    public String valShards() {
        return valShards;
    }

    public int numClasses() {
        return train.numClasses();
    }

    public long trainImages() {
        return train.count(cfg.data().trainSplit());
    }

    public long valImages() {
        return val.count(cfg.data().valSplit());
    }

    /** Images of each worker's partition in {@code epoch}. */
    public long[] partitionImages(int epoch) {
        return train.partitionImages(cfg.data().trainSplit(), cfg.seed(), epoch);
    }

    /** Rounds of {@code epoch}: minibatches of the longest partition (as the trainer's EpochPlan). */
    public int rounds(int epoch) {
        int b = cfg.batchSizePerWorker();
        return (int) Arrays.stream(partitionImages(epoch)).map(n -> (n + b - 1) / b).max().orElse(0);
    }

    /**
     * Rounds {@code [from, to)} of {@code epoch}: each the minibatch at that position of every
     * partition that has one, in partition (worker) order.
     */
    public List<List<Minibatch>> rounds(int epoch, int from, int to) {
        JavaRDD<DataSet> rdd = train.trainingRdd(cfg.data().trainSplit(), inputSize, cfg.batchSizePerWorker(),
                cfg.seed(), epoch, from, to);
        List<Minibatch> all = rdd.mapPartitionsWithIndex((Integer p, Iterator<DataSet> it) -> {
            List<Minibatch> out = new ArrayList<>();
            for (int i = from; it.hasNext(); i++) {
                out.add(Minibatch.of(p, i, it.next()));
            }
            return out.iterator();
        }, true).collect();
        List<List<Minibatch>> rounds = new ArrayList<>();
        for (int r = from; r < to; r++) {
            int index = r;
            List<Minibatch> round = all.stream().filter(m -> m.index() == index)
                    .sorted(Comparator.comparingInt(Minibatch::worker)).toList();
            if (!round.isEmpty()) {
                rounds.add(round);
            }
        }
        return rounds;
    }

    /** The validation split, centre-cropped, in shard order, in minibatches of the per-worker batch size. */
    public List<Minibatch> validation() {
        return val.evaluationRdd(cfg.data().valSplit(), inputSize, cfg.batchSizePerWorker())
                .mapPartitionsWithIndex((Integer p, Iterator<DataSet> it) -> {
                    List<Minibatch> out = new ArrayList<>();
                    for (int i = 0; it.hasNext(); i++) {
                        out.add(Minibatch.of(p, i, it.next()));
                    }
                    return out.iterator();
                }, true).collect();
    }

    @Override
    public void close() {
        sc.close();
    }
}
