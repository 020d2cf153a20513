package org.micronet.trainer;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.TrainingHook;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.micronet.config.ConfigException;
import org.micronet.ingest.loader.ShardLoader;
import org.micronet.models.Models;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What Spark workers do in each averaging round, read on the workers: the learning rate they apply
 * follows the driver's iteration (DL4J's worker rebuild loses it), and with one worker averaging
 * every minibatch, training on Spark takes exactly the steps a single machine takes (as DL4J's
 * own TestCompareParameterAveragingSparkVsSingleMachine checked for its updaters).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SparkWorkerStepTest {
    private static final double PEAK = 0.1;
    private static final int WARMUP = 2;
    private static final int TOTAL = 12;
    private static final int BATCH = 8;

    private JavaSparkContext sc;
    private Path dir;
    private ShardLoader data;

    @BeforeAll
    void start(@TempDir Path tmp) throws Exception {
        dir = tmp;
        sc = context();
        data = ShardLoader.open(sc, Repo.ingestSample(sc, tmp.resolve("shards")));
    }

    /** Local mode with three threads: three workers at once. */
    JavaSparkContext context() {
        return SparkContexts.create("spark-worker-step-test", "local[3]");
    }

    @AfterAll
    void stop() {
        sc.close();
    }

    /** The reference recipe's rate at iteration i, written out: linear warm-up, then cosine to 0. */
    private static double closedForm(int i) {
        return i < WARMUP ? PEAK * (i + 1) / WARMUP
                : PEAK / 2 * (1 + Math.cos(Math.PI * (i - WARMUP) / (TOTAL - WARMUP)));
    }

    private RunConfig config(int workers, int averagingFrequency) throws Exception {
        return config(workers, averagingFrequency, RunConfig.Averaging.BARRIER);
    }

    private RunConfig config(int workers, int averagingFrequency, RunConfig.Averaging averaging) throws Exception {
        return RunConfigLoader.load(Repo.root().resolve("configs/runs/quickstart.yaml"), List.of(
                "workers=" + workers, "batchSizePerWorker=" + BATCH, "averagingFrequency=" + averagingFrequency,
                "averaging=" + averaging.name().toLowerCase(), "output=" + dir.resolve("run"),
                "export=" + dir.resolve("export")));
    }

    private ComputationGraph m0(RunConfig cfg) {
        return Models.create(Trainer.modelConfig(cfg, data.numClasses()), Trainer.networkDefaults(cfg,
                new RecordingSchedule(new CosineSchedule(PEAK, WARMUP, TOTAL))));
    }

    private SparkComputationGraph onSpark(RunConfig cfg, ComputationGraph net, TrainingHook... hooks) throws Exception {
        SynchronizedTrainingMaster master = Trainer.trainingMaster(cfg, new RunStore(dir.resolve("run").toString(),
                sc.hadoopConfiguration()), sc);
        for (TrainingHook hook : hooks) {
            master.addHook(hook);
        }
        return new SparkComputationGraph(sc, net, master);
    }

    /** Minibatches of the sample, {@code perWorker} for each of {@code workers} partitions. */
    private JavaRDD<DataSet> minibatches(int workers, int perWorker, int epoch) {
        return data.withPartitions(workers).trainingRdd("train", 32, BATCH, 42, epoch, 0, perWorker);
    }

    @Test
    void everyWorkerAppliesTheLearningRateOfTheDriversIteration() throws Exception {
        for (int averagingFrequency : new int[]{1, 2}) {
            RunConfig cfg = config(2, averagingFrequency);
            SparkComputationGraph spark = onSpark(cfg, m0(cfg));
            RecordingSchedule.clear();
            spark.fit(minibatches(2, 4, 0));  // 4 minibatches a worker: 4 / averagingFrequency rounds
            spark.fit(minibatches(2, 4, 1));  // a second fit (the next chunk) goes on counting
            assertEquals(8, spark.getNetwork().getConfiguration().getIterationCount(), "the driver's count");

            Map<Integer, Double> expected = new TreeMap<>();
            for (int i = 0; i < 8; i++) {
                expected.put(i, closedForm(i));
            }
            Map<Integer, Double> applied = RecordingSchedule.applied();
            assertEquals(expected.keySet(), applied.keySet(), "iterations the workers stepped at, averagingFrequency "
                    + averagingFrequency);
            expected.forEach((i, lr) -> assertEquals(lr, applied.get(i), 1e-15, "lr applied at iteration " + i));
            RecordingSchedule.workers().forEach((i, partitions) ->
                    assertEquals(Set.of(0, 1), partitions, "both workers step at iteration " + i));
        }
    }

    @Test
    void oneWorkerAveragingEveryMinibatchStepsExactlyAsOneMachine() throws Exception {
        RunConfig cfg = config(1, 1);  // on local[3]: one worker, whatever the cores
        ComputationGraph local = m0(cfg);
        TrainingLoss trainingLoss = new TrainingLoss(sc);
        WorkerSeeding dropoutSeeds = new WorkerSeeding(cfg.seed());
        SparkComputationGraph spark = onSpark(cfg, local.clone(), dropoutSeeds, trainingLoss);
        List<DataSet> batches = minibatches(1, 6, 0).collect();
        double lossSum = 0;
        for (DataSet batch : batches) {
            spark.fit(sc.parallelize(List.of(batch), 1));  // one averaging round
            MultiDataSet mds = new org.nd4j.linalg.dataset.MultiDataSet(batch.getFeatures(), batch.getLabels());
            dropoutSeeds.preUpdate(mds, local);  // the worker's hook, outside Spark: partition 0
            double penalty = local.calcRegularizationScore(true);
            local.fit(mds);
            lossSum += local.score() - penalty;
        }
        TrainingLoss.Tally tally = trainingLoss.take();
        assertEquals(batches.size(), tally.count(), "one loss per minibatch");
        assertEquals(lossSum / batches.size(), tally.mean(), 1e-6, "the mean minibatch loss without the L2 penalty");
        ComputationGraph averaged = spark.getNetwork();
        assertEquals(batches.size(), averaged.getConfiguration().getIterationCount());
        assertEquals(local.getConfiguration().getIterationCount(), averaged.getConfiguration().getIterationCount());
        assertClose(local.params(), averaged.params(), "parameters");
        assertClose(local.getUpdater().getStateViewArray(), averaged.getUpdater().getStateViewArray(), "momentum");
    }

    /**
     * When Spark re-runs a stage whose finished output it lost with an executor (a barrier chunk
     * sits behind a shuffle), the accumulator receives the re-run's minibatch losses as well: a
     * minibatch, known by its iteration and partition, counts once in the epoch's loss.
     */
    @Test
    void aMinibatchThatARerunStageFitsAgainCountsOnce() throws Exception {
        TrainingLoss trainingLoss = new TrainingLoss(sc);
        RunConfig cfg = config(1, 1);
        WorkerSeeding dropoutSeeds = new WorkerSeeding(cfg.seed());
        ComputationGraph start = m0(cfg);
        DataSet batch = minibatches(1, 1, 0).first();
        MultiDataSet mds = new org.nd4j.linalg.dataset.MultiDataSet(batch.getFeatures(), batch.getLabels());
        double[] losses = new double[3];
        for (int fit = 0; fit < 3; fit++) {
            // fits 0 and 1: the first attempt of iteration 1 and its re-run; fit 2: iteration 5
            ComputationGraph net = start.clone();
            net.getConfiguration().setIterationCount(fit < 2 ? 0 : 4);
            dropoutSeeds.preUpdate(mds, net);  // the worker's hooks: dropout seeded by the iteration
            trainingLoss.preUpdate(mds, net);
            double penalty = net.calcRegularizationScore(true);
            net.fit(mds);
            trainingLoss.postUpdate(mds, net);
            losses[fit] = net.score() - penalty;
        }
        assertEquals(losses[0], losses[1], 0, "a re-run fits the same minibatch from the same parameters");
        TrainingLoss.Tally tally = trainingLoss.take();
        assertEquals(2, tally.count(), "iteration 1 once, iteration 5 once");
        assertEquals((losses[0] + losses[2]) / 2, tally.mean(), 1e-12);
    }

    /**
     * Barrier averaging (the workers average among themselves in one stage) takes exactly the steps
     * of DL4J's driver averaging (a job per round), down to the last bit, with partitions of
     * unequal length, so that the last round averages only the worker that still has data; with
     * the workers sharing memory (local mode), and exchanging through the block managers' transfer
     * service and over connections of their own, as between JVMs on a cluster. With two workers and
     * three: over their connections each worker averages a slice of the state, and three cut M0's
     * state into slices of unequal length.
     */
    @Test
    void barrierAveragingStepsExactlyAsDriverAveraging() throws Exception {
        List<DataSet> batches = minibatches(2, 4, 0).collect();
        for (int workers = 2; workers <= 3; workers++) {
            // two workers: 3 and 4 minibatches; three: 2, 2 and 3
            JavaRDD<DataSet> uneven = sc.parallelize(batches.subList(0, 7), workers);
            for (int averagingFrequency : new int[]{1, 2}) {
                averageEveryWay(uneven, workers, averagingFrequency, (7 + workers - 1) / workers);
            }
        }
        assertNoRegionLeft();
    }

    /** Fits {@code uneven}, whose longest partition has {@code longest} minibatches, averaging each way, and compares. */
    private void averageEveryWay(JavaRDD<DataSet> uneven, int workers, int averagingFrequency, int longest)
            throws Exception {
        ComputationGraph start = m0(config(workers, averagingFrequency));
        Map<String, ComputationGraph> trained = new TreeMap<>();
        Map<String, TrainingLoss.Tally> losses = new TreeMap<>();
        for (String way : List.of("driver", "barrier", "barrier blocks", "barrier peers", "barrier peers sockets")) {
            RunConfig cfg = config(workers, averagingFrequency,
                    RunConfig.Averaging.valueOf(way.split(" ")[0].toUpperCase()));
            TrainingLoss loss = new TrainingLoss(sc);
            SparkComputationGraph spark = onSpark(cfg, start.clone(), new WorkerSeeding(cfg.seed()), loss);
            exchanging(way.contains(" ") ? way.substring(way.indexOf(' ') + 1) : "auto", () -> spark.fit(uneven));
            trained.put(way, spark.getNetwork());
            losses.put(way, loss.take());
        }
        // the driver sums the workers' results in the order Spark's aggregation merges them, which with
        // more than two is not always by partition: a last-bit difference, which a few steps of training grow
        ComputationGraph driver = trained.get("driver");
        String exact = workers == 2 ? "driver" : "barrier";
        for (String way : List.of("barrier", "barrier blocks", "barrier peers", "barrier peers sockets")) {
            ComputationGraph barrier = trained.get(way);
            String at = ", " + way + ", " + workers + " workers, averagingFrequency " + averagingFrequency;
            assertEquals((longest + averagingFrequency - 1) / averagingFrequency * averagingFrequency,
                    barrier.getConfiguration().getIterationCount(), "iterations" + at);
            assertEquals(driver.getConfiguration().getIterationCount(), barrier.getConfiguration().getIterationCount(),
                    "iterations" + at);
            assertArrayEquals(trained.get(exact).params().toFloatVector(), barrier.params().toFloatVector(),
                    "parameters, as " + exact + at);
            assertArrayEquals(trained.get(exact).getUpdater().getStateViewArray().toFloatVector(),
                    barrier.getUpdater().getStateViewArray().toFloatVector(), "momentum, as " + exact + at);
            assertEquals(losses.get(exact), losses.get(way), "minibatch losses, as " + exact + at);
            assertClose(driver.params(), barrier.params(), 1e-4, "parameters, as driver" + at);
            assertClose(driver.getUpdater().getStateViewArray(), barrier.getUpdater().getStateViewArray(), 1e-4,
                    "momentum, as driver" + at);
            assertEquals(7, losses.get(way).count(), "minibatch losses" + at);
            assertEquals(losses.get("driver").mean(), losses.get(way).mean(), 1e-6, "minibatch losses, as driver" + at);
            assertNotEquals(0, start.params().sub(barrier.params()).amaxNumber().doubleValue(), "trained" + at);
        }
    }

    /**
     * A worker that fails in the middle of a chunk releases the others, which would otherwise wait
     * for its next exchange forever: the fit fails promptly and names the cause (local mode retries
     * nothing), in memory, through the block managers and over the workers' connections.
     */
    @Test
    void aWorkerThatFailsInTheMiddleOfAChunkReleasesTheOthers() throws Exception {
        List<DataSet> batches = minibatches(2, 3, 0).collect();
        JavaRDD<DataSet> failing = sc.parallelize(batches, 2)
                .mapPartitionsWithIndex(SparkWorkerStepTest::failingAtTheSecondOfPartition1, true);
        RunConfig cfg = config(2, 1);
        for (String exchange : List.of("auto", "blocks", "peers", "peers sockets")) {
            SparkComputationGraph spark = onSpark(cfg, m0(cfg));
            Exception e = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> assertThrows(Exception.class,
                    () -> exchanging(exchange, () -> spark.fit(failing))), "exchange " + exchange);
            assertTrue(e.getMessage().contains("unreadable minibatch 2 of partition 1"), e.getMessage());
        }
        assertNoRegionLeft();
    }

    /**
     * The round breakdown gives the time the workers' JVM stood paused in collections: here each
     * worker collects the whole heap before each of its minibatches, which pauses both (one JVM),
     * and each worker's rounds count every pause.
     */
    @Test
    void theRoundTimesCountTheCollectionsThatPausedTheWorkers() throws Exception {
        for (RunConfig.Averaging averaging : List.of(RunConfig.Averaging.BARRIER, RunConfig.Averaging.DRIVER)) {
            CollectingBeforeEachMinibatch.NANOS.set(0);
            RoundTimes.PerRound rounds = threeRounds(averaging, new CollectingBeforeEachMinibatch());
            double collectedMs = CollectingBeforeEachMinibatch.NANOS.get() / 1e6;
            double perWorkerMs = rounds.collections() * rounds.rounds();
            // the collectors' own count of the pauses, at millisecond resolution, against the wall time of the calls
            assertTrue(perWorkerMs >= 0.5 * collectedMs, averaging + ": " + perWorkerMs + " ms paused a worker, of "
                    + collectedMs + " ms of collections: " + rounds.line());
            assertTrue(rounds.collections() <= rounds.data() + rounds.fit() + rounds.exchange() + rounds.setup(),
                    averaging + ": paused longer than the worker worked: " + rounds.line());
            assertTrue(rounds.line().contains(String.format("paused by collections %.1f", rounds.collections())),
                    rounds.line());
        }
    }

    @Test
    void theRoundTimesCountWhatTheJitCompiledBesideTheWorkers() throws Exception {
        for (RunConfig.Averaging averaging : List.of(RunConfig.Averaging.BARRIER, RunConfig.Averaging.DRIVER)) {
            CompilingBeforeEachMinibatch.MILLIS.set(0);
            RoundTimes.PerRound rounds = threeRounds(averaging, new CompilingBeforeEachMinibatch());
            // each worker's task holds its own hooks' compiling (the workers share this JVM, so each also counts the other's)
            double provokedPerWorkerMs = CompilingBeforeEachMinibatch.MILLIS.get() / 2.0;
            assertTrue(provokedPerWorkerMs >= 3 * 5, averaging + ": the hook made the JIT compile only "
                    + provokedPerWorkerMs + " ms a worker");
            double perWorkerMs = rounds.compiling() * rounds.rounds();
            assertTrue(perWorkerMs >= 0.9 * provokedPerWorkerMs, averaging + ": " + perWorkerMs
                    + " ms of compiling beside a worker, of " + provokedPerWorkerMs + " ms that its hooks made: " + rounds.line());
            assertTrue(rounds.line().contains(String.format("the JIT compiled %.1f)", rounds.compiling())), rounds.line());
        }
    }

    /** The round times of 3 rounds of 2 workers averaging as {@code averaging}, {@code hook} in each worker's task. */
    private RoundTimes.PerRound threeRounds(RunConfig.Averaging averaging, TrainingHook hook) throws Exception {
        RunConfig cfg = config(2, 1, averaging);
        SparkComputationGraph spark = onSpark(cfg, m0(cfg), hook);
        spark.fit(minibatches(2, 3, 0));
        RoundTimes.PerRound rounds = ((SynchronizedTrainingMaster) spark.getTrainingMaster()).takeRoundTimes();
        assertEquals(3, rounds.rounds(), averaging + ": rounds");
        return rounds;
    }

    /** A hook that makes the JIT compile for at least 5 ms before each minibatch, and adds up the compile time. */
    private static final class CompilingBeforeEachMinibatch extends BeforeEachMinibatch {
        static final AtomicLong MILLIS = new AtomicLong();

        @Override
        void before() {
            MILLIS.addAndGet(FreshlyCompiled.compileFor(5));
        }
    }

    /** A hook that collects the whole heap before each minibatch, and adds up how long that took. */
    private static final class CollectingBeforeEachMinibatch extends BeforeEachMinibatch {
        static final AtomicLong NANOS = new AtomicLong();

        @Override
        void before() {
            long t0 = System.nanoTime();
            System.gc();
            NANOS.addAndGet(System.nanoTime() - t0);
        }
    }

    /** A hook that does something in the worker's task before each of its minibatches. */
    private abstract static class BeforeEachMinibatch implements TrainingHook {
        abstract void before();

        @Override
        public void preUpdate(MultiDataSet minibatch, Model model) {
            before();
        }

        @Override
        public void preUpdate(org.nd4j.linalg.dataset.api.DataSet minibatch, Model model) {
            before();
        }

        @Override
        public void postUpdate(org.nd4j.linalg.dataset.api.DataSet minibatch, Model model) {
        }

        @Override
        public void postUpdate(MultiDataSet minibatch, Model model) {
        }
    }

    /**
     * Runs {@code fit} with barrier workers exchanging {@code way}: {@code auto}, {@code blocks},
     * {@code peers} (through this host's shared memory, as workers in one JVM are on one host) or
     * {@code peers sockets} (over their connections alone).
     */
    private void exchanging(String way, Runnable fit) {
        String[] words = way.split(" ");
        sc.setLocalProperty(BarrierRounds.EXCHANGE_CONF, words[0]);
        sc.setLocalProperty(BarrierRounds.SHARED_MEMORY_CONF, words.length > 1 ? "false" : null);
        try {
            fit.run();
        } finally {
            sc.setLocalProperty(BarrierRounds.EXCHANGE_CONF, null);
            sc.setLocalProperty(BarrierRounds.SHARED_MEMORY_CONF, null);
        }
    }

    /** No worker left its region of shared memory behind, also where one failed. */
    private static void assertNoRegionLeft() throws IOException {
        Path shared = Path.of("/dev/shm");
        if (Files.isDirectory(shared)) {
            try (Stream<Path> files = Files.list(shared)) {
                assertEquals(List.of(), files.map(f -> f.getFileName().toString())
                        .filter(n -> n.startsWith("micronet-exchange-")).toList(), "regions left in " + shared);
            }
        }
    }

    /** The exchange is chosen before any work, and a value that names none is refused with the key and the choices. */
    @Test
    void theExchangeSettingIsCheckedBeforeTraining() {
        assertEquals(BarrierRounds.Exchange.MEMORY, BarrierRounds.exchange(sc), "auto in local mode");
        for (String way : List.of("peers", "blocks", "memory")) {
            sc.setLocalProperty(BarrierRounds.EXCHANGE_CONF, way);
            try {
                assertEquals(BarrierRounds.Exchange.valueOf(way.toUpperCase()), BarrierRounds.exchange(sc), way);
            } finally {
                sc.setLocalProperty(BarrierRounds.EXCHANGE_CONF, null);
            }
        }
        assertRefused(BarrierRounds.EXCHANGE_CONF, "sockets",
                "spark.micronet.exchange = 'sockets': expected auto, peers, blocks or memory");
        assertTrue(BarrierRounds.sharedMemory(sc), "shared memory by default");
        assertRefused(BarrierRounds.SHARED_MEMORY_CONF, "no",
                "spark.micronet.exchange.sharedMemory = 'no': expected true or false");
    }

    /** {@code key} = {@code value} is refused before any work, with {@code message}. */
    private void assertRefused(String key, String value, String message) {
        sc.setLocalProperty(key, value);
        try {
            ConfigException e = assertThrows(ConfigException.class, () -> BarrierRounds.checkCanRun(sc, 2));
            assertEquals(message, e.getMessage());
        } finally {
            sc.setLocalProperty(key, null);
        }
    }

    private static Iterator<DataSet> failingAtTheSecondOfPartition1(int partition, Iterator<DataSet> minibatches) {
        return new Iterator<>() {
            private int read;

            @Override
            public boolean hasNext() {
                if (partition == 1 && read == 1) {
                    throw new IllegalStateException("unreadable minibatch 2 of partition 1");
                }
                return minibatches.hasNext();
            }

            @Override
            public DataSet next() {
                read++;
                return minibatches.next();
            }
        };
    }

    private static void assertClose(INDArray expected, INDArray actual, String what) {
        assertClose(expected, actual, 1e-6, what);
    }

    private static void assertClose(INDArray expected, INDArray actual, double relative, String what) {
        double scale = Math.max(1e-3, expected.amaxNumber().doubleValue());
        double diff = expected.sub(actual).amaxNumber().doubleValue();
        assertTrue(diff <= relative * scale, what + " differ by " + diff + " (largest " + scale + ")");
    }
}
