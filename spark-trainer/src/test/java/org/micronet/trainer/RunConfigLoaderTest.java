package org.micronet.trainer;

import org.junit.jupiter.api.Test;
import org.micronet.config.ConfigException;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
        assertEquals("data/sample/fashion-mnist-ilsvrc", cfg.data().train(), "sibling keys survive an override");
        assertEquals(7L, cfg.seed());
        assertEquals(40, cfg.globalBatch());
        assertEquals(20, cfg.progress().everyRounds(), "default");
        assertEquals(null, cfg.checkpoints().everyMinutes(), "default: epoch ends only");
    }

    @Test
    void everyRunConfigUnderConfigsLoads() throws Exception {
        try (var files = java.nio.file.Files.list(Repo.root().resolve("configs/runs"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                assertTrue(RunConfigLoader.load(f, List.of()).epochs() >= 1, f.toString());
            }
        }
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
        assertTrue(error("data.minCropScale=0").contains("data.minCropScale = 0.0 (expected in (0, 1])"));
        assertTrue(error("checkpoints.everyMinutes=-1").contains("checkpoints.everyMinutes = -1.0 (expected at least 0"));
        assertTrue(error("progress.everyRounds=0").contains("progress.everyRounds = 0 (expected at least 1)"));
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
