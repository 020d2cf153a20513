package org.micronet.trainer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.micronet.config.ConfigException;
import org.micronet.ingest.loader.SampleTransform;
import org.micronet.models.Models;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad run configs fail at load with the key, the value and what is allowed. */
class RunConfigLoaderTest {
    private static final Path QUICKSTART = Repo.root().resolve("configs/runs/quickstart.yaml");

    private static String error(String... sets) {
        return assertThrows(ConfigException.class, () -> RunConfigLoader.load(QUICKSTART, List.of(sets))).getMessage();
    }

    @Test
    void quickstartLoadsAndOverridesApply() {
        RunConfig cfg = RunConfigLoader.load(QUICKSTART, List.of("epochs=5", "data.val=hdfs://nn/val", "seed=7"));
        assertEquals(5, cfg.epochs());
        assertEquals("hdfs://nn/val", cfg.data().val());
        assertEquals("data/fashion-mnist-5k/fashion-mnist-ilsvrc", cfg.data().train(), "sibling keys survive an override");
        assertEquals(7L, cfg.seed());
        assertEquals(64, cfg.globalBatch());
        assertEquals(null, cfg.progress().everyRounds(), "default: chunks by time");
        assertEquals(30.0, cfg.progress().secondsPerChunk(), "default");
        assertEquals(null, cfg.progress().everySeconds(), "the default stays unset, so a resume may set everyRounds");
        assertEquals(null, cfg.checkpoints().everyMinutes(), "default: epoch ends only");
        assertEquals(RunConfig.Averaging.AUTO, cfg.averaging(), "default");
        assertTrue(cfg.barrierAveraging(true, false), "auto: barrier in local mode");
        assertTrue(cfg.barrierAveraging(false, false), "auto: barrier on a cluster of " + cfg.workers() + " workers");
        assertTrue(RunConfigLoader.load(QUICKSTART, List.of("workers=8")).barrierAveraging(false, false),
                "auto: barrier on a cluster of 8 workers");
        assertFalse(RunConfigLoader.load(QUICKSTART, List.of("workers=9")).barrierAveraging(false, false),
                "auto: driver (tree aggregation) on a cluster of more than 8 workers");
        assertTrue(RunConfigLoader.load(QUICKSTART, List.of("workers=9")).barrierAveraging(true, false),
                "auto: barrier in local mode, whatever the workers");
        assertFalse(cfg.barrierAveraging(false, true), "auto: driver with dynamic allocation, which refuses barrier stages");
        assertFalse(RunConfigLoader.load(QUICKSTART, List.of("approach=export")).barrierAveraging(true, false),
                "auto: driver with approach export");
    }

    @Test
    void everyRunConfigUnderConfigsLoads() throws Exception {
        try (var files = java.nio.file.Files.list(Repo.root().resolve("configs/runs"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                assertTrue(RunConfigLoader.load(f, List.of()).epochs() >= 1, f.toString());
            }
        }
    }

    /**
     * The released recipes (spec micronet-architecture.md, "Per-model settings"): lr at the global
     * batch, warm-up epochs, weight decay and the model's head dropout; common to all: SGD momentum
     * 0.9, cosine over 600 epochs, no label smoothing, 224 inputs, crops of 8-100%, ingest short side 256.
     */
    @ParameterizedTest
    @CsvSource({
            "m0, 256, 0.1, 0, 3e-5, 0.05",
            "m1, 512, 0.2, 0, 3e-5, 0.05",
            "m2, 512, 0.2, 0, 3e-5, 0.1",
            "m3, 512, 0.2, 5, 4e-5, 0.1"})
    void imagenetRunConfigsAreTheReleasedRecipes(String model, int globalBatch, double lr, double warmupEpochs,
                                                 double weightDecay, double dropout) {
        RunConfig cfg = RunConfigLoader.load(Repo.root().resolve("configs/runs/imagenet-" + model + ".yaml"), List.of());
        assertEquals(model, cfg.model());
        assertEquals(globalBatch, cfg.globalBatch(), "global batch");
        assertEquals(64, cfg.batchSizePerWorker());
        assertEquals(lr, cfg.learningRate(), "learning rate for the global batch");
        assertEquals(warmupEpochs, cfg.warmupEpochs(), "warm-up epochs");
        assertEquals(weightDecay, cfg.weightDecay(), "weight decay");
        assertEquals(null, cfg.dropout(), "the model config carries the dropout");
        assertEquals(dropout, Models.resolve(cfg.model()).head().dropout(), "the model's head dropout");
        assertEquals(0.9, cfg.momentum());
        assertEquals(600, cfg.epochs());
        assertEquals(0.0, cfg.labelSmoothing());
        assertEquals(1, cfg.averagingFrequency(), "synchronous SGD: the global batch is the recipe's");
        assertEquals(224, cfg.inputSize());
        assertEquals(0.08, cfg.data().minCropScale());
        assertEquals(256, cfg.data().shortSide(), "ingest short side");
        assertEquals(0, cfg.data().cacheMb(), "ImageNet fits no executor's memory: no sample cache");
        assertEquals(224, Math.round(cfg.data().shortSide() * SampleTransform.EVAL_CROP_FRACTION),
                "evaluation's centre crop of a 256-pixel short side: resize 256 / centre crop 224");
        assertTrue(cfg.data().train().startsWith("hdfs://") && cfg.output().startsWith("hdfs://")
                && cfg.export().startsWith("hdfs://"), cfg.toString());
    }

    @Test
    void unknownKeyListsTheAllowedOnes() {
        String msg = error("epoks=3");
        assertTrue(msg.contains("unknown key 'epoks'") && msg.contains("epochs") && msg.contains("--set epoks=3"), msg);
        msg = error("data.trian=x");
        assertTrue(msg.contains("data: unknown key 'trian'") && msg.contains("train"), msg);
    }

    @Test
    void wrongTypeNamesTheKey() {
        String msg = error("epochs=many");
        assertTrue(msg.contains("epochs") && msg.contains("many"), msg);
    }

    @Test
    void valuesOutOfRangeNameTheAllowedRange() {
        assertTrue(error("momentum=1.5").contains("momentum = 1.5 (expected in [0, 1))"));
        assertTrue(error("batchSizePerWorker=1").contains("batchSizePerWorker = 1 (expected at least 2"));
        assertTrue(error("warmupEpochs=20").contains("warmupEpochs = 20.0 (expected in [0, epochs))"));
        assertTrue(error("approach=carrier-pigeon").contains("approach"));
        assertTrue(error("approach=export", "averaging=barrier")
                .contains("averaging = barrier (expected driver or auto with approach export"));
        assertTrue(error("data.minCropScale=0").contains("data.minCropScale = 0.0 (expected in (0, 1])"));
        assertTrue(error("data.cacheMb=-1").contains("data.cacheMb = -1 (expected 0 (keep no samples in memory) or more)"));
        assertTrue(error("checkpoints.everyMinutes=-1").contains("checkpoints.everyMinutes = -1.0 (expected at least 0"));
        assertTrue(error("progress.everyRounds=0").contains("progress.everyRounds = 0 (expected at least 1"));
        assertTrue(error("progress.everyRounds=50", "progress.everySeconds=10")
                .contains("progress.everySeconds = 10.0 (expected unset when progress.everyRounds is set"));
        assertTrue(error("progress.everySeconds=200").contains("progress.everySeconds = 200.0 (expected greater than 0 and"
                + " at most half of progress.stallMinutes (150.0 s)"));
        assertTrue(error("progress.everySeconds=0").contains("progress.everySeconds = 0.0 (expected greater than 0"));
    }

    @Test
    void malformedOverrideIsExplained() {
        assertTrue(error("epochs").contains("expected key=value"));
    }

    @Test
    void missingFileIsNamed() {
        ConfigException e = assertThrows(ConfigException.class, () -> RunConfigLoader.load(Path.of("no/such.yaml"), List.of()));
        assertTrue(e.getMessage().contains("no/such.yaml: no such run config file"), e.getMessage());
    }
}
