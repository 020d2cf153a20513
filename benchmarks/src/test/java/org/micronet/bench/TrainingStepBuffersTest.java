package org.micronet.bench;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.micronet.models.Models;
import org.micronet.trainer.RunConfig;
import org.micronet.trainer.RunConfigLoader;
import org.micronet.trainer.Trainer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A warm training step on the Fashion-MNIST recipe (momentum SGD on the cosine schedule, L2,
 * dropout) creates no floating-point ND4J buffer outside workspaces, for M0 and M3. DL4J's own
 * updater alone created 30 a step in M0 and 49 in M3, one scalar per run of parameters it
 * divided by the minibatch.
 */
class TrainingStepBuffersTest {
    @ParameterizedTest
    @ValueSource(strings = {"m0", "m3"})
    void aWarmStepOfTheRecipeCreatesNoBuffersOutsideWorkspaces(String model) {
        assertTrue(NativeBuffers.available(), "ND4J's deallocator map is not readable on this ND4J version");
        RunConfig cfg = RunConfigLoader.load(repoRoot().resolve("configs/runs/fashion-mnist-m0.yaml"), List.of());
        ComputationGraph net = Models.create(Models.bundled(model).withTask(32, 10),
                Trainer.networkDefaults(cfg, Trainer.schedule(cfg, 60_000)));
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.rand(DataType.FLOAT, 8, 3, 32, 32);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 8, 10);
        for (int i = 0; i < 8; i++) {
            y.putScalar(i, i, 1.0);
        }
        DataSet batch = new DataSet(x, y);
        for (int i = 0; i < 3; i++) {
            net.fit(batch);
        }
        Set<Object> before = NativeBuffers.snapshot();
        for (int i = 0; i < 3; i++) {
            net.fit(batch);
        }
        assertEquals(new NativeBuffers.Count(0, 0), NativeBuffers.createdSince(before), "buffers created by 3 warm steps of " + model);
    }

    private static Path repoRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (!Files.isDirectory(dir.resolve("configs/runs"))) {
            dir = dir.getParent();
        }
        return dir;
    }
}
