package org.micronet.trainer;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.micronet.models.Models;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * A resident network trains as a network built the usual way, to the bit, and what it trains is
 * its one array: the exchange that sends and averages that array in place relies on it.
 */
class ResidentNetworkTest {
    @Test
    void trainsAsTheUsualNetworkWithItsParametersAndUpdaterStateInItsOneArray() throws Exception {
        RunConfig cfg = RunConfigLoader.load(Repo.root().resolve("configs/runs/quickstart.yaml"), List.of());
        ComputationGraph usual = Models.create(Trainer.modelConfig(cfg, 10),
                Trainer.networkDefaults(cfg, new CosineSchedule(0.05, 2, 10)));
        // a configuration of its own: a network counts its iterations, and so its learning rate, in it
        ResidentNetwork resident = ResidentNetwork.of(usual.getConfiguration().clone());
        long params = usual.numParams();
        INDArray momentum = usual.getUpdater().getStateViewArray();
        assertEquals(params + momentum.length(), resident.state().length(), "parameters, then momentum");

        resident.setParams(usual.params());
        Nd4j.getRandom().setSeed(3);
        for (int step = 0; step < 3; step++) {
            MultiDataSet batch = new MultiDataSet(Nd4j.rand(DataType.FLOAT, 4, 3, 32, 32),
                    Nd4j.eye(10).get(NDArrayIndex.interval(step, step + 4), NDArrayIndex.all()));
            Nd4j.getRandom().setSeed(100 + step);  // the same dropout masks
            usual.fit(batch);
            Nd4j.getRandom().setSeed(100 + step);
            resident.fit(batch);
        }
        assertNotEquals(0, momentum.amaxNumber().doubleValue(), "the momentum has moved");
        assertArrayEquals(usual.params().toFloatVector(), resident.params().toFloatVector(), "parameters");
        assertArrayEquals(momentum.toFloatVector(), resident.getUpdater().getStateViewArray().toFloatVector(), "momentum");
        assertArrayEquals(usual.params().toFloatVector(),
                resident.state().get(NDArrayIndex.interval(0, params)).toFloatVector(), "parameters in the one array");
        assertArrayEquals(momentum.toFloatVector(),
                resident.state().get(NDArrayIndex.interval(params, resident.state().length())).toFloatVector(),
                "momentum in the one array");
    }
}
