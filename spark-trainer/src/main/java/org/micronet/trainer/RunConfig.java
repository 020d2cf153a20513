package org.micronet.trainer;

import org.micronet.ingest.loader.Augmentation;

import java.util.ArrayList;
import java.util.List;

/**
 * A training run as its YAML declares it ({@code configs/runs/*.yaml}); every key can be
 * overridden with {@code --set key=value}. Missing keys take the documented defaults.
 *
 * @param model              a model YAML path or the name of a bundled model (m0, m3, ...)
 * @param inputSize          input resolution, overriding the model's (e.g. 32 for small images)
 * @param data               where the images are
 * @param epochs             passes over the training split
 * @param batchSizePerWorker minibatch of each worker; the global batch is this times workers
 * @param workers            Spark workers averaging their parameters
 * @param learningRate       peak learning rate (for the global batch)
 * @param momentum           heavy-ball momentum, as torch.optim.SGD
 * @param weightDecay        L2 added to the gradient of every weight and bias
 * @param warmupEpochs       linear warm-up before the cosine decay, in epochs (may be fractional)
 * @param dropout            head dropout, overriding the model's
 * @param labelSmoothing     epsilon of label smoothing (0: none)
 * @param averagingFrequency minibatches each worker takes between parameter averages (1: synchronous SGD)
 * @param seed               seeds initialisation, data order, augmentation and dropout
 * @param output             run directory (any Hadoop URI): config, metrics, checkpoints
 * @param export             where the trained model and its card go (any Hadoop URI)
 * @param checkpoints        how many to keep, and how often to write one within an epoch
 * @param progress           how often to log progress within an epoch
 * @param approach           how Spark feeds workers: direct (RDD cached in memory/disk) or export
 *                           (minibatches written under the run directory first; for data too big to cache)
 * @param averaging          where the parameters are averaged: barrier (the workers of a chunk's Spark
 *                           barrier stage exchange them among themselves after every round), driver (a
 *                           Spark job per round, averaged on the driver, as DL4J does; the only one with
 *                           approach export), or auto (the default: barrier in local mode and on clusters
 *                           of up to {@link #AUTO_BARRIER_MAX_WORKERS} workers, driver on bigger ones, with
 *                           approach export and with Spark's dynamic allocation, which refuses barrier stages)
 */
public record RunConfig(String model, Integer inputSize, Data data, Integer epochs, Integer batchSizePerWorker,
                        Integer workers, Double learningRate, Double momentum, Double weightDecay,
                        Double warmupEpochs, Double dropout, Double labelSmoothing, Integer averagingFrequency,
                        Long seed, String output, String export, Checkpoints checkpoints, Progress progress,
                        Approach approach, Averaging averaging) {

    public enum Approach {
        @com.fasterxml.jackson.annotation.JsonProperty("direct") DIRECT,
        @com.fasterxml.jackson.annotation.JsonProperty("export") EXPORT
    }

    public enum Averaging {
        @com.fasterxml.jackson.annotation.JsonProperty("auto") AUTO,
        @com.fasterxml.jackson.annotation.JsonProperty("barrier") BARRIER,
        @com.fasterxml.jackson.annotation.JsonProperty("driver") DRIVER
    }

    /**
     * @param train      an ingest output (with manifest.json), or raw ILSVRC / WebDataset input, which
     *                   is ingested into {@code <output>/ingest} first
     * @param val        the same for validation; defaults to train (an ingest output holds both splits)
     * @param trainSplit split of {@code train} to train on
     * @param valSplit   split of {@code val} to evaluate on
     * @param shortSide  short side of the images when raw input is ingested
     * @param minCropScale smallest random-resized-crop area, a fraction of the image (0.08 as the
     *                   reference on ImageNet; small low-resolution images want more, e.g. 0.35)
     * @param cacheMb    megabytes of samples each JVM that reads (executor, or driver in local mode)
     *                   keeps in memory between epochs, encoded and decoded, so that a dataset that
     *                   fits is read and decoded once; 0 keeps none; unset, a quarter of that JVM's heap
     */
    public record Data(String train, String val, String trainSplit, String valSplit, Integer shortSide,
                       Double minCropScale, Integer cacheMb) {
        public Data {
            val = val == null ? train : val;
            trainSplit = trainSplit == null ? "train" : trainSplit;
            valSplit = valSplit == null ? "val" : valSplit;
            shortSide = shortSide == null ? 256 : shortSide;
            minCropScale = minCropScale == null ? Augmentation.DEFAULT_MIN_SCALE : minCropScale;
        }
    }

    /**
     * @param keep         checkpoints kept in the run directory, epoch-end and in-epoch alike (the oldest are deleted)
     * @param everyMinutes also checkpoint within an epoch, after the first chunk that ends at least this
     *                     long after the last checkpoint (0: after every chunk); null: at epoch ends only
     */
    public record Checkpoints(Integer keep, Double everyMinutes) {
        public Checkpoints {
            keep = keep == null ? 3 : keep;
        }
    }

    /**
     * @param everyRounds  parameter-averaging rounds in a chunk of an epoch, each chunk followed by a
     *                     progress line and a chance to checkpoint; a round is
     *                     {@code workers x batchSizePerWorker x averagingFrequency} images. Unset (the
     *                     default): chunks of {@code everySeconds}.
     * @param everySeconds without {@code everyRounds}, how long a chunk should take: as many rounds as
     *                     fit at the pace of the chunk before ({@link ChunkSizer}); unset,
     *                     {@link #DEFAULT_SECONDS}, left unset in a run's saved config so that a resume
     *                     may still choose {@code everyRounds}. A chunk
     *                     costs a Spark job whatever its length: for M0 about 50 ms in local mode and
     *                     200-300 ms on a standalone cluster.
     * @param stallMinutes how long training or validation may go without a Spark task starting or finishing, or
     *                     on a cluster without an executor, before the run is stopped as stalled (exit
     *                     code 4, checkpoints kept). It must exceed the longest task: a chunk with
     *                     barrier averaging (one task per worker fits the whole chunk), one round with
     *                     driver averaging, or a worker's share of the validation set.
     */
    public record Progress(Integer everyRounds, Double everySeconds, Double stallMinutes) {
        public static final double DEFAULT_SECONDS = 30;

        public Progress {
            stallMinutes = stallMinutes == null ? 5.0 : stallMinutes;
        }

        /** How long a chunk should take when {@code everyRounds} is unset. */
        public double secondsPerChunk() {
            return everySeconds == null ? DEFAULT_SECONDS : everySeconds;
        }
    }

    public RunConfig {
        epochs = epochs == null ? 1 : epochs;
        batchSizePerWorker = batchSizePerWorker == null ? 32 : batchSizePerWorker;
        workers = workers == null ? 2 : workers;
        learningRate = learningRate == null ? 0.1 : learningRate;
        momentum = momentum == null ? 0.9 : momentum;
        weightDecay = weightDecay == null ? 3e-5 : weightDecay;
        warmupEpochs = warmupEpochs == null ? 0.0 : warmupEpochs;
        labelSmoothing = labelSmoothing == null ? 0.0 : labelSmoothing;
        averagingFrequency = averagingFrequency == null ? 1 : averagingFrequency;
        seed = seed == null ? 42L : seed;
        checkpoints = checkpoints == null ? new Checkpoints(null, null) : checkpoints;
        progress = progress == null ? new Progress(null, null, null) : progress;
        approach = approach == null ? Approach.DIRECT : approach;
        averaging = averaging == null ? Averaging.AUTO : averaging;
    }

    /** Every problem found, each naming the key, the value and what is allowed; empty when valid. */
    public List<String> validate() {
        List<String> e = new ArrayList<>();
        require(e, model != null && !model.isBlank(), "model", model, "a model YAML path or bundled name (m0..m3)");
        require(e, data != null && data.train() != null && !data.train().isBlank(), "data.train", data == null ? null : data.train(),
                "a URI of an ingest output or of ILSVRC/WebDataset images");
        require(e, data == null || data.minCropScale() > 0 && data.minCropScale() <= 1, "data.minCropScale",
                data == null ? null : data.minCropScale(), "in (0, 1]");
        require(e, data == null || data.cacheMb() == null || data.cacheMb() >= 0, "data.cacheMb",
                data == null ? null : data.cacheMb(), "0 (keep no samples in memory) or more");
        require(e, inputSize == null || inputSize >= 8, "inputSize", inputSize, "at least 8");
        require(e, epochs >= 1, "epochs", epochs, "at least 1");
        require(e, batchSizePerWorker >= 2, "batchSizePerWorker", batchSizePerWorker, "at least 2 (batch norm needs 2 samples)");
        require(e, workers >= 1, "workers", workers, "at least 1");
        require(e, learningRate > 0, "learningRate", learningRate, "greater than 0");
        require(e, momentum >= 0 && momentum < 1, "momentum", momentum, "in [0, 1)");
        require(e, weightDecay >= 0, "weightDecay", weightDecay, "at least 0");
        require(e, warmupEpochs >= 0 && warmupEpochs < epochs, "warmupEpochs", warmupEpochs, "in [0, epochs)");
        require(e, dropout == null || dropout >= 0 && dropout < 1, "dropout", dropout, "in [0, 1)");
        require(e, labelSmoothing >= 0 && labelSmoothing < 1, "labelSmoothing", labelSmoothing, "in [0, 1)");
        require(e, averagingFrequency >= 1, "averagingFrequency", averagingFrequency, "at least 1");
        require(e, output != null && !output.isBlank(), "output", output, "a run directory URI");
        require(e, export != null && !export.isBlank(), "export", export, "an export URI");
        require(e, checkpoints.keep() >= 1, "checkpoints.keep", checkpoints.keep(), "at least 1");
        require(e, checkpoints.everyMinutes() == null || checkpoints.everyMinutes() >= 0, "checkpoints.everyMinutes",
                checkpoints.everyMinutes(), "at least 0 (0: after every chunk), or null for epoch ends only");
        require(e, averaging != Averaging.BARRIER || approach == Approach.DIRECT, "averaging", "barrier",
                "driver or auto with approach export, which keeps DL4J's round loop");
        require(e, progress.everyRounds() == null || progress.everyRounds() >= 1, "progress.everyRounds",
                progress.everyRounds(), "at least 1, or unset for chunks of progress.everySeconds");
        require(e, progress.everyRounds() == null || progress.everySeconds() == null, "progress.everySeconds",
                progress.everySeconds(), "unset when progress.everyRounds is set (chunks by rounds or by time, not both)");
        require(e, progress.everyRounds() != null || progress.secondsPerChunk() > 0
                        && progress.secondsPerChunk() <= progress.stallMinutes() * 30, "progress.everySeconds",
                progress.secondsPerChunk(), "greater than 0 and at most half of progress.stallMinutes ("
                        + progress.stallMinutes() * 30 + " s), since a chunk is one task per worker");
        require(e, progress.stallMinutes() > 0, "progress.stallMinutes", progress.stallMinutes(), "greater than 0");
        require(e, data == null || data.shortSide() >= 8, "data.shortSide", data == null ? null : data.shortSide(), "at least 8");
        return e;
    }

    private static void require(List<String> errors, boolean ok, String key, Object value, String allowed) {
        if (!ok) {
            errors.add(key + " = " + value + " (expected " + allowed + ")");
        }
    }

    /**
     * The most workers {@code averaging: auto} averages in barrier stages on a cluster. The model in
     * benchmarks/results/spark-scaling.md has barrier averaging ahead of DL4J's tree aggregation at
     * every size, but its exchange is measured only up to 4 workers, and a barrier stage needs every
     * worker's task slot at once and re-runs the chunk when an executor is lost.
     */
    public static final int AUTO_BARRIER_MAX_WORKERS = 8;

    /**
     * Whether the rounds run in barrier stages, on a local Spark or a cluster, with dynamic
     * allocation enabled or not.
     */
    public boolean barrierAveraging(boolean localMaster, boolean dynamicAllocation) {
        return averaging == Averaging.BARRIER || averaging == Averaging.AUTO && approach == Approach.DIRECT
                && !dynamicAllocation && (localMaster || workers <= AUTO_BARRIER_MAX_WORKERS);
    }

    public int globalBatch() {
        return batchSizePerWorker * workers;
    }
}
