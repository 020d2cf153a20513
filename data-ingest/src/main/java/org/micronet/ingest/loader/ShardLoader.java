package org.micronet.ingest.loader;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.TaskCompletionListener;
import org.micronet.ingest.DataException;
import org.micronet.ingest.Manifest;
import org.micronet.ingest.OutputLayout;
import org.micronet.ingest.SerializableHadoopConf;
import org.nd4j.linalg.dataset.DataSet;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Minibatches for DL4J's Spark training masters from an ingest output:
 * <pre>{@code
 * ShardLoader data = ShardLoader.open(sc, "hdfs://nn/imagenet-shards").withPartitions(16);
 * for (int epoch = 0; epoch < epochs; epoch++) {
 *     sparkNet.fit(data.trainingRdd("train", 224, 64, seed, epoch));
 * }
 * sparkNet.evaluate(data.evaluationRdd("val", 224, 64));
 * }</pre>
 * Features are NCHW float32 [batch, 3, size, size], labels one-hot [batch, numClasses()] in the
 * order of the manifest's class index. Each partition's last batch may be smaller.
 */
public final class ShardLoader {
    private final JavaSparkContext sc;
    private final Path root;
    private final Manifest manifest;
    private final int partitions;
    private final double minCropScale;
    private final SampleCache cache;

    private ShardLoader(JavaSparkContext sc, Path root, Manifest manifest, int partitions, double minCropScale,
                        SampleCache cache) {
        this.sc = sc;
        this.root = root;
        this.manifest = manifest;
        this.partitions = partitions;
        this.minCropScale = minCropScale;
        this.cache = cache;
    }

    /** Reads the manifest of the ingest output at {@code datasetUri}. */
    public static ShardLoader open(JavaSparkContext sc, String datasetUri) throws IOException {
        Path path = new Path(datasetUri);
        FileSystem fs = path.getFileSystem(sc.hadoopConfiguration());
        Path root = fs.makeQualified(path);
        Path manifestPath = new Path(root, OutputLayout.MANIFEST);
        if (!fs.exists(manifestPath)) {
            throw new IOException("no " + OutputLayout.MANIFEST + " in " + root + ": not the output of a finished ingest");
        }
        return new ShardLoader(sc, root, Manifest.read(fs, manifestPath), 0, Augmentation.DEFAULT_MIN_SCALE,
                SampleCache.auto());
    }

    /** Number of Spark partitions of the RDDs; 0 (default) means one per shard. */
    public ShardLoader withPartitions(int partitions) {
        if (partitions < 0) {
            throw new IllegalArgumentException("partitions " + partitions + ", expected 0 (one per shard) or more");
        }
        return new ShardLoader(sc, root, manifest, partitions, minCropScale, cache);
    }

    /**
     * How many bytes of samples each JVM that reads (an executor, or the driver in local mode) may
     * keep in memory across epochs, encoded and decoded ({@link SampleCache}); 0 keeps none, and the
     * default is a quarter of that JVM's heap.
     */
    public ShardLoader withCacheBytes(long bytes) {
        return new ShardLoader(sc, root, manifest, partitions, minCropScale, SampleCache.of(bytes));
    }

    /** Smallest random-resized-crop area of training samples, a fraction of the image (default 0.08). */
    public ShardLoader withMinCropScale(double scale) {
        if (!(scale > 0 && scale <= 1)) {
            throw new IllegalArgumentException("minimum crop scale " + scale + ", expected in (0, 1]");
        }
        return new ShardLoader(sc, root, manifest, partitions, scale, cache);
    }

    public Manifest manifest() {
        return manifest;
    }

    public int numClasses() {
        return manifest.classes.size();
    }

    /** Images of a split, e.g. to compute the iterations of an epoch. */
    public long count(String split) {
        return manifest.imagesPerSplit.getOrDefault(split, 0L);
    }

    /** Augmented, shuffled minibatches of one epoch; the same (seed, epoch) gives the same batches. */
    public JavaRDD<DataSet> trainingRdd(String split, int inputSize, int batchSize, long seed, int epoch) {
        return trainingRdd(split, inputSize, batchSize, seed, epoch, 0, Integer.MAX_VALUE);
    }

    /**
     * Batches {@code [fromBatch, toBatch)} of every partition of {@link #trainingRdd(String, int, int, long, int)}:
     * consecutive ranges hold the epoch's batches once each, with the same contents. The samples
     * before {@code fromBatch} are read (the shuffle needs them) but not decoded.
     */
    public JavaRDD<DataSet> trainingRdd(String split, int inputSize, int batchSize, long seed, int epoch,
                                        int fromBatch, int toBatch) {
        if (fromBatch < 0 || toBatch < fromBatch) {
            throw new IllegalArgumentException("batch range [" + fromBatch + ", " + toBatch
                    + "), expected 0 <= from <= to");
        }
        return rdd(split, SampleTransform.training(inputSize, minCropScale, seed, epoch), batchSize, seed, epoch, true,
                fromBatch, toBatch);
    }

    /** Centre-cropped minibatches in shard order. */
    public JavaRDD<DataSet> evaluationRdd(String split, int inputSize, int batchSize) {
        return evaluationRdd(split, preprocessing(inputSize), batchSize);
    }

    /** Centre-cropped minibatches in shard order, as {@code p} (a model card's) prescribes. */
    public JavaRDD<DataSet> evaluationRdd(String split, Preprocessing p, int batchSize) {
        return rdd(split, SampleTransform.evaluation(p), batchSize, 0, 0, false, 0, Integer.MAX_VALUE);
    }

    /** What {@link #evaluationRdd(String, int, int)} does to this data's images, for a model card. */
    public Preprocessing preprocessing(int inputSize) {
        try {
            return Preprocessing.evaluation(inputSize, manifest);
        } catch (IllegalArgumentException e) {
            throw new DataException(new Path(root, OutputLayout.MANIFEST) + ": " + e.getMessage()
                    + " (written by another tool or version? ingest the data again)", e);
        }
    }

    /** Images in each partition of the training RDD of (seed, epoch), in partition order, from the manifest. */
    public long[] partitionImages(String split, long seed, int epoch) {
        List<List<ShardSlice>> groups = partitions(split, seed, epoch, true);
        long[] images = new long[groups.size()];
        for (int p = 0; p < images.length; p++) {
            for (ShardSlice slice : groups.get(p)) {
                images[p] += slice.images();
            }
        }
        return images;
    }

    private JavaRDD<DataSet> rdd(String split, SampleTransform transform, int batchSize, long seed, int epoch,
                                 boolean shuffle, int fromBatch, int toBatch) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size " + batchSize + ", expected at least 1");
        }
        List<List<ShardSlice>> groups = partitions(split, seed, epoch, shuffle);
        SerializableHadoopConf conf = new SerializableHadoopConf(sc.hadoopConfiguration());
        int numClasses = numClasses();
        String rootUri = root.toString();
        SampleCache held = cache.holdsNothing() ? null : cache;
        // as many elements as partitions: one group each
        return sc.parallelize(groups, groups.size()).mapPartitionsWithIndex((index, it) -> {
            List<ShardSlice> mine = it.hasNext() ? it.next() : List.of();
            OpenPartitions.Key key = shuffle
                    ? new OpenPartitions.Key(mine, transform, seed, epoch, index, batchSize) : null;
            BatchIterator resumed = key == null ? null : OpenPartitions.resume(key, fromBatch, toBatch);
            BatchIterator batches = resumed != null ? resumed : new BatchIterator(rootUri, mine, conf, held, transform,
                    batchSize, numClasses, shuffle ? Augmentation.orderRandom(seed, epoch, index) : null, fromBatch,
                    toBatch, key);
            TaskContext task = TaskContext.get();
            if (task != null) {
                // a task that stops early (failed, killed) leaves no shard open
                task.addTaskCompletionListener((TaskCompletionListener) ctx -> batches.closeUnlessParked());
            }
            return batches;
        }, true);
    }

    /**
     * The shard slices of each partition: grouped here rather than by Spark so that the sizes of
     * the partitions are known without reading them.
     */
    private List<List<ShardSlice>> partitions(String split, long seed, int epoch, boolean shuffle) {
        List<Manifest.Shard> shards = manifest.shards.stream().filter(s -> s.split.equals(split)).toList();
        if (shards.isEmpty()) {
            throw new IllegalArgumentException("split '" + split + "' has no shards in " + root
                    + "; splits present: " + manifest.imagesPerSplit.keySet());
        }
        int slicesPerShard = partitions > shards.size() ? (partitions + shards.size() - 1) / shards.size() : 1;
        List<ShardSlice> slices = new ArrayList<>();
        for (Manifest.Shard shard : shards) {
            for (int part = 0; part < slicesPerShard; part++) {
                slices.add(new ShardSlice(new Path(root, shard.file).toString(), part, slicesPerShard, shard.images));
            }
        }
        if (shuffle) {
            // a different grouping of shards into partitions every epoch
            Collections.shuffle(slices, new Random(Augmentation.mix(seed) + epoch));
        }
        int n = Math.min(partitions > 0 ? partitions : shards.size(), slices.size());
        List<List<ShardSlice>> groups = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            // the contiguous runs Spark's parallelize(slices, n) would make
            groups.add(new ArrayList<>(slices.subList((int) ((long) i * slices.size() / n),
                    (int) ((long) (i + 1) * slices.size() / n))));
        }
        return groups;
    }
}
