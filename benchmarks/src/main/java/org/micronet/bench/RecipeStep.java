package org.micronet.bench;

import org.deeplearning4j.nn.graph.ComputationGraph;
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

/**
 * One training step as the Fashion-MNIST recipe ({@code configs/runs/fashion-mnist-m0.yaml}) takes
 * it: momentum SGD on the cosine schedule, L2, dropout, 10 classes, on a fixed random minibatch.
 */
public record RecipeStep(ComputationGraph net, DataSet minibatch) implements Runnable {
    static final String RECIPE = "configs/runs/fashion-mnist-m0.yaml";

    /** The recipe's network for {@code model} (m0-m3) at {@code size} x {@code size}, and a minibatch of {@code batch}. */
    public static RecipeStep of(String model, int size, int batch) {
        RunConfig cfg = RunConfigLoader.load(repoRoot().resolve(RECIPE), List.of());
        ComputationGraph net = Models.create(Models.bundled(model).withTask(size, 10),
                Trainer.networkDefaults(cfg, Trainer.schedule(cfg, 60_000)));
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.rand(DataType.FLOAT, batch, 3, size, size);
        INDArray y = Nd4j.zeros(DataType.FLOAT, batch, 10);
        for (int i = 0; i < batch; i++) {
            y.putScalar(i, i % 10, 1.0);
        }
        return new RecipeStep(net, new DataSet(x, y));
    }

    @Override
    public void run() {
        net.fit(minibatch);
    }

    /** The checkout's root, found upwards from the working directory (Maven runs tests in the module's). */
    private static Path repoRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (!Files.isDirectory(dir.resolve("configs/runs"))) {
            dir = dir.getParent();
            if (dir == null) {
                throw new IllegalStateException(RECIPE + " not found above " + Path.of("").toAbsolutePath());
            }
        }
        return dir;
    }
}
