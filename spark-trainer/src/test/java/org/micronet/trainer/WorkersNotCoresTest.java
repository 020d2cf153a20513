package org.micronet.trainer;

import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.micronet.ingest.loader.ShardLoader;
import org.micronet.models.Models;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Synchronous SGD is what the run config says whatever Spark's cores: {@code workers} minibatches
 * of {@code batchSizePerWorker} per averaging round, so an epoch of N images is
 * ceil(N / global batch) iterations, each at the schedule's rate, each stepped by every worker
 * once, with barrier and with driver averaging. Checked where cores and workers differ: local[4]
 * with 2 workers, local[2] with 1.
 */
class WorkersNotCoresTest {
    private static final int BATCH = 20;
    private static final int IMAGES = 300;  // the bundled sample's train split

    @Test
    void twoWorkersOnFourCores(@TempDir Path tmp) throws Exception {
        epochOnSpark(tmp, "local[4]", 2);
    }

    @Test
    void oneWorkerOnTwoCores(@TempDir Path tmp) throws Exception {
        epochOnSpark(tmp, "local[2]", 1);
    }

    private static void epochOnSpark(Path tmp, String master, int workers) throws Exception {
        try (JavaSparkContext sc = SparkContexts.create("workers-not-cores", master)) {
            ShardLoader data = ShardLoader.open(sc, Repo.ingestSample(sc, tmp.resolve("shards"))).withPartitions(workers);
            for (RunConfig.Averaging averaging : List.of(RunConfig.Averaging.BARRIER, RunConfig.Averaging.DRIVER)) {
                RunConfig cfg = RunConfigLoader.load(Repo.root().resolve("configs/runs/quickstart.yaml"), List.of(
                        "workers=" + workers, "batchSizePerWorker=" + BATCH, "epochs=2", "warmupEpochs=0.5",
                        "averaging=" + averaging.name().toLowerCase(), "output=" + tmp.resolve("run"),
                        "export=" + tmp.resolve("export")));
                String how = " with " + averaging.name().toLowerCase() + " averaging";
                int iterations = (IMAGES + workers * BATCH - 1) / (workers * BATCH);
                CosineSchedule plan = Trainer.schedule(cfg, IMAGES);
                SynchronizedTrainingMaster tm = Trainer.trainingMaster(cfg, new RunStore(cfg.output(),
                        sc.hadoopConfiguration()), sc);
                SparkComputationGraph spark = new SparkComputationGraph(sc, Models.create(Trainer.modelConfig(cfg,
                        data.numClasses()), Trainer.networkDefaults(cfg, new RecordingSchedule(plan))), tm);
                RecordingSchedule.clear();
                spark.fit(data.trainingRdd("train", 32, BATCH, 42, 0));

                assertEquals(iterations, spark.getNetwork().getConfiguration().getIterationCount(),
                        "iterations in an epoch of " + IMAGES + " images at global batch " + workers * BATCH + how);
                Map<Integer, Double> expected = IntStream.range(0, iterations).boxed()
                        .collect(Collectors.toMap(i -> i, i -> plan.valueAt(i, 0), (a, b) -> a, TreeMap::new));
                assertEquals(expected, RecordingSchedule.applied(), "the learning rate of every iteration" + how);
                Set<Integer> everyWorker = IntStream.range(0, workers).boxed().collect(Collectors.toSet());
                RecordingSchedule.workers().forEach((i, stepped) ->
                        assertEquals(everyWorker, stepped, "the workers that stepped at iteration " + i + how));
            }
        }
    }
}
