package org.micronet.trainer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.micronet.config.ConfigException;
import org.micronet.ingest.DataException;
import org.micronet.layers.params.BatchNormParams;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.schedule.ISchedule;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The training job on Spark local[2]: a few iterations of M0 on the bundled sample. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrainerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private JavaSparkContext sc;
    private Path dir;
    private String shards;

    @BeforeAll
    void start(@TempDir Path tmp) throws Exception {
        dir = tmp;
        sc = SparkContexts.create("trainer-test", "local[2]");
        shards = Repo.ingestSample(sc, tmp.resolve("shards"));
    }

    @AfterAll
    void stop() {
        sc.close();
    }

    private RunConfig config(String name, String... sets) {
        return Repo.sampleRun(dir, shards, name, sets);
    }

    @Test
    void trainsEvaluatesCheckpointsAndExportsAReloadableModel() throws Exception {
        RunConfig cfg = config("full", "epochs=2");
        Trainer.Result result = new Trainer(sc, cfg, false).run(false);
        Path run = dir.resolve("full/run");

        List<String> lines = Files.readAllLines(run.resolve("metrics.jsonl"));
        assertEquals(2, lines.size());
        Checkpoints checkpoints = new Checkpoints(new RunStore(run.toString(), sc.hadoopConfiguration()), 2);
        long itersPerEpoch = (300 + cfg.globalBatch() - 1) / cfg.globalBatch();
        CosineSchedule schedule = new CosineSchedule(cfg.learningRate(), 0, cfg.epochs() * itersPerEpoch);
        for (int e = 0; e < 2; e++) {
            JsonNode m = JSON.readTree(lines.get(e));
            for (String key : List.of("epoch", "lr", "train_loss", "val_loss", "top1", "top5", "images_per_sec")) {
                assertTrue(m.has(key), "metrics.jsonl lacks " + key + ": " + m);
            }
            assertEquals(e, m.get("epoch").asInt());
            assertEquals((e + 1) * itersPerEpoch, m.get("iteration").asLong(), "one iteration per global minibatch");
            assertEquals(schedule.valueAt((int) ((e + 1) * itersPerEpoch - 1), e), m.get("lr").asDouble(), 1e-12);
            assertTrue(Double.isFinite(m.get("train_loss").asDouble()), m.toString());
            // ND4J's float norms here, L2Penalty's double-accumulated sums there: float rounding apart
            double penalty = l2Penalty(checkpoints.model(String.format("epoch-%04d", e)), cfg.weightDecay());
            assertEquals(penalty, m.get("l2_penalty").asDouble(), 1e-6 * penalty, "the L2 term of the epoch's final parameters");
        }
        assertEquals(3, Files.readAllLines(run.resolve("metrics.csv")).size(), "header + one row per epoch");
        assertEquals(cfg, RunConfigLoader.load(run.resolve(Trainer.CONFIG), List.of()), "the resolved config is saved");
        assertTrue(Files.exists(run.resolve(Trainer.SUCCESS)));
        assertEquals(List.of("epoch-0000", "epoch-0001"), list(run.resolve("checkpoints")));

        Path export = dir.resolve("full/export");
        JsonNode card = JSON.readTree(export.resolve(Exporter.CARD).toFile());
        assertEquals(10, card.get("classes").size());
        assertEquals(result.card().params(), card.get("params").asLong());
        assertEquals("micronet-m0", card.get("model").asText());
        ComputationGraph exported = Exporter.load(export.toString(), sc.hadoopConfiguration());
        ComputationGraph checkpoint = checkpoints.model("epoch-0001");
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 3, 32, 32);
        assertEquals(checkpoint.outputSingle(x), exported.outputSingle(x), "the export is the final model");

        IllegalArgumentException again = assertThrows(IllegalArgumentException.class,
                () -> new Trainer(sc, cfg, false).run(false));
        assertTrue(again.getMessage().contains("already holds a run") && again.getMessage().contains("--resume"),
                again.getMessage());
        RunConfig otherRun = config("full", "epochs=2", "output=" + dir.resolve("other/run"));
        ConfigException exists = assertThrows(ConfigException.class, () -> new Trainer(sc, otherRun, false).run(false));
        assertTrue(exists.getMessage().contains("--overwrite"), exists.getMessage());
    }

    @Test
    void resumeAfterACrashContinuesTheEpochsTheScheduleAndTheMetrics() throws Exception {
        RunConfig cfg = config("resume", "epochs=3");
        new Trainer(sc, cfg, false).run(false);
        Path run = dir.resolve("resume/run");
        List<String> uninterrupted = Files.readAllLines(run.resolve("metrics.jsonl"));

        // as if the job died after epoch 2's metrics were written but before its checkpoint
        deleteTree(run.resolve("checkpoints/epoch-0002"));
        Files.delete(run.resolve(Trainer.SUCCESS));
        Files.write(run.resolve("metrics.jsonl"), uninterrupted.subList(0, 3));

        RunConfig resumed = RunConfigLoader.load(run.resolve(Trainer.CONFIG), List.of());
        new Trainer(sc, resumed, true).run(true);
        List<String> after = Files.readAllLines(run.resolve("metrics.jsonl"));
        assertEquals(3, after.size(), "epoch 3 is redone once, nothing repeated or skipped");
        assertEquals(uninterrupted.subList(0, 2), after.subList(0, 2), "finished epochs are kept as they were");
        JsonNode before = JSON.readTree(uninterrupted.get(2));
        JsonNode again = JSON.readTree(after.get(2));
        assertEquals(before.get("epoch"), again.get("epoch"));
        assertEquals(before.get("iteration"), again.get("iteration"), "the iteration count continues");
        assertEquals(before.get("lr").asDouble(), again.get("lr").asDouble(), 1e-15, "the schedule continues");
        assertTrue(Files.exists(run.resolve(Trainer.SUCCESS)));
    }

    @Test
    void chunksReportProgressCheckpointWithinTheEpochAndAResumeGoesOnAtTheNextChunk() throws Exception {
        // 300 images on 2 workers: 8 minibatches of 20 each, fitted 2 averaging rounds (80 images) at a time
        String[] sets = {"epochs=1", "progress.everyRounds=2", "checkpoints.everyMinutes=0", "checkpoints.keep=2"};
        List<ChunkProgress> whole = new ArrayList<>();
        new Trainer(sc, config("chunks", sets), false).onProgress(whole::add).run(false);
        assertEquals(List.of(1, 2, 3, 4), whole.stream().map(ChunkProgress::chunk).toList());
        assertTrue(whole.stream().allMatch(p -> p.chunks() == 4 && p.epochImages() == 300), whole.toString());
        assertEquals(List.of(80L, 160L, 240L, 300L), whole.stream().map(ChunkProgress::images).toList());
        assertEquals(List.of(2L, 4L, 6L, 8L), whole.stream().map(ChunkProgress::iteration).toList(), "one iteration per round");
        ChunkProgress last = whole.get(3);
        assertEquals(0.0, last.epochEtaSeconds());
        assertEquals(0.0, last.runEtaSeconds());
        assertTrue(whole.get(0).line().contains("epoch 1/1  chunk 1/4  80/300 images"), whole.get(0).line());
        // after every chunk but the last, whose checkpoint is the epoch's; the last 2 of all are kept
        assertEquals(Arrays.asList("epoch-0000-batch-000002", "epoch-0000-batch-000004", "epoch-0000-batch-000006", null),
                whole.stream().map(ChunkProgress::checkpoint).toList());
        assertEquals(List.of("epoch-0000", "epoch-0000-batch-000006"), list(dir.resolve("chunks/run/checkpoints")));

        // the same run killed right after chunk 2 and its checkpoint, then resumed
        List<ChunkProgress> killed = new ArrayList<>();
        RunConfig cfg = config("killed", sets);
        assertThrows(Killed.class, () -> new Trainer(sc, cfg, false).onProgress(p -> {
            killed.add(p);
            if (p.chunk() == 2) {
                throw new Killed();
            }
        }).run(false));
        Path run = dir.resolve("killed/run");
        assertEquals(List.of("epoch-0000-batch-000002", "epoch-0000-batch-000004"), list(run.resolve("checkpoints")));
        assertFalse(Files.exists(run.resolve(MetricsLog.JSONL)));
        List<ChunkProgress> resumed = new ArrayList<>();
        new Trainer(sc, RunConfigLoader.load(run.resolve(Trainer.CONFIG), List.of()), false)
                .onProgress(resumed::add).run(true);
        assertEquals(List.of(3, 4), resumed.stream().map(ChunkProgress::chunk).toList(), "nothing repeated or skipped");
        assertTrue(resumed.get(0).runSeconds() > killed.get(1).runSeconds(), "training time continues");
        List<ChunkProgress> both = new ArrayList<>(killed);
        both.addAll(resumed);
        assertEquals(positions(whole), positions(both), "the same images, iterations, learning rates and losses per chunk");

        ComputationGraph uninterrupted = Exporter.load(dir.resolve("chunks/export").toString(), sc.hadoopConfiguration());
        ComputationGraph continued = Exporter.load(dir.resolve("killed/export").toString(), sc.hadoopConfiguration());
        List<Double> lr = lrPerIteration(uninterrupted);
        assertEquals(8, lr.size());
        assertEquals(lr, lrPerIteration(continued), "the model's own schedule and iteration count");
        assertEquals(1, continued.getConfiguration().getEpochCount());
        assertEquals(lr.get(7), last.lr());

        // the same training, so the same losses and accuracy; only the timing differs
        JsonNode a = JSON.readTree(Files.readAllLines(dir.resolve("chunks/run/metrics.jsonl")).get(0));
        List<String> lines = Files.readAllLines(run.resolve(MetricsLog.JSONL));
        assertEquals(1, lines.size());
        JsonNode b = JSON.readTree(lines.get(0));
        for (String key : List.of("epoch", "iteration", "lr", "train_loss", "val_loss", "top1", "top5")) {
            assertEquals(a.get(key), b.get(key), key);
        }
    }

    /** Weight decay's term of the loss, by hand: wd / 2 times the squared norm of every trained parameter. */
    private static double l2Penalty(ComputationGraph net, double weightDecay) {
        double squares = 0;
        for (Map.Entry<String, INDArray> p : net.paramTable().entrySet()) {
            String key = p.getKey().substring(p.getKey().lastIndexOf('_') + 1);
            if (!key.equals(BatchNormParams.MEAN) && !key.equals(BatchNormParams.VAR)) {  // running statistics
                squares += Math.pow(p.getValue().norm2Number().doubleValue(), 2);
            }
        }
        return weightDecay / 2 * squares;
    }

    private static final class Killed extends RuntimeException {
    }

    private static List<List<Object>> positions(List<ChunkProgress> steps) {
        return steps.stream()
                .map(p -> List.<Object>of(p.epoch(), p.chunk(), p.images(), p.iteration(), p.lr(), p.score())).toList();
    }

    /** The learning rate of each iteration so far, from the schedule the model's updater holds. */
    private static List<Double> lrPerIteration(ComputationGraph net) {
        ISchedule schedule = Arrays.stream(net.getLayers()).map(l -> l.conf().getLayer())
                .filter(l -> l instanceof BaseLayer).map(l -> ((BaseLayer) l).getIUpdater())
                .map(u -> ((MomentumSgd) u).getLearningRateSchedule()).findFirst().orElseThrow();
        return IntStream.range(0, net.getConfiguration().getIterationCount()).mapToObj(i -> schedule.valueAt(i, 0)).toList();
    }

    @Test
    void missingDataUnwritableOutputAndTooFewTaskSlotsFailBeforeTraining() throws Exception {
        RunConfig noData = config("nodata", "data.train=" + dir.resolve("no-such-images"));
        DataException e = assertThrows(DataException.class, () -> new Trainer(sc, noData, false).run(false));
        assertTrue(e.getMessage().contains("no-such-images does not exist"), e.getMessage());

        RunConfig unwritable = config("unwritable", "output=/proc/micronet-run");
        ConfigException io = assertThrows(ConfigException.class, () -> new Trainer(sc, unwritable, false).run(false));
        assertTrue(io.getMessage().startsWith("output ") && io.getMessage().contains("/proc/micronet-run is not writable"), io.getMessage());

        RunConfig threeWorkers = config("three-workers", "workers=3");  // on local[2]
        ConfigException slots = assertThrows(ConfigException.class, () -> new Trainer(sc, threeWorkers, false).run(false));
        assertTrue(slots.getMessage().startsWith("workers = 3 with barrier averaging needs 3 tasks at once, and master "
                + "local[2] runs 2"), slots.getMessage());
    }

    private static List<String> list(Path p) throws Exception {
        try (var s = Files.list(p)) {
            return s.map(f -> f.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
        }
    }

    private static void deleteTree(Path p) throws Exception {
        try (var s = Files.walk(p)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
        assertFalse(Files.exists(p));
    }
}
