package org.micronet.layers;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.junit.jupiter.api.Test;
import org.micronet.layers.params.BatchNormParams;
import org.micronet.models.ModelConfig;
import org.micronet.models.Models;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** {@link MinibatchMeanUpdater} against DL4J's own graph updater, which it must equal to the bit. */
class MinibatchMeanUpdaterTest {
    /** M0 at 32x32 for 10 classes, without the head's dropout, whose masks would differ between networks. */
    private static ModelConfig m0() {
        ModelConfig c = Models.resolve("m0");
        return new ModelConfig(c.name(), c.description(), c.architecture(), 32, 10, c.stem(),
                new ModelConfig.Head(c.head().width(), 0.0), c.shiftMax(), c.ablation(), c.ops(), c.blocks(),
                c.mobilenet(), null, c.paper());
    }

    private static NeuralNetConfiguration.Builder base(DataType type) {
        return new NeuralNetConfiguration.Builder().seed(3).dataType(type).updater(new Nesterovs(0.1, 0.9));
    }

    private static DataSet batch(DataType type, int n) {
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.rand(type, n, 3, 32, 32).subi(0.5);
        INDArray y = Nd4j.zeros(type, n, 10);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, (3 * i) % 10, 1.0);
        }
        return new DataSet(x, y);
    }

    /** Parameters, running statistics and momentum after each of three steps, at two batch sizes. */
    @Test
    void stepsEqualDl4jsUpdaterBitForBit() {
        ComputationGraph ours = Models.create(m0(), base(DataType.FLOAT));
        ComputationGraph dl4j = new ComputationGraph(Models.graph(m0(), base(DataType.FLOAT)));
        dl4j.init();
        assertInstanceOf(MinibatchMeanUpdater.class, ours.getUpdater());
        assertEquals(ComputationGraphUpdater.class, dl4j.getUpdater().getClass());
        for (int n : new int[]{4, 4, 4, 3}) {
            DataSet d = batch(DataType.FLOAT, n);
            ours.fit(d);
            dl4j.fit(d);
            assertArrayEquals(dl4j.params().toFloatVector(), ours.params().toFloatVector(), "parameters, batch " + n);
            assertArrayEquals(dl4j.getUpdater().getStateViewArray().toFloatVector(),
                    ours.getUpdater().getStateViewArray().toFloatVector(), "updater state, batch " + n);
        }
        // the undivided parameters, which the updater copies aside, did move: the first batch norm's running mean
        String mean = ours.getLayer(firstBatchNorm(ours)).paramTable().keySet().stream()
                .filter(BatchNormParams::isRunningStatistic).findFirst().orElseThrow();
        INDArray moved = ours.getLayer(firstBatchNorm(ours)).getParam(mean);
        assertNotEquals(0.0, moved.norm1Number().doubleValue(), "running statistic " + mean + " never moved");
    }

    /** The gradient checks' DOUBLE networks take DL4J's path, with the same result. */
    @Test
    void doubleNetworksTakeDl4jsPath() {
        ComputationGraph ours = Models.create(m0(), base(DataType.DOUBLE));
        ComputationGraph dl4j = new ComputationGraph(Models.graph(m0(), base(DataType.DOUBLE)));
        dl4j.init();
        DataSet d = batch(DataType.DOUBLE, 2);
        ours.fit(d);
        dl4j.fit(d);
        assertArrayEquals(dl4j.params().toDoubleVector(), ours.params().toDoubleVector());
    }

    /** Installing keeps the network's updater state (a resumed run's momentum) and is done once. */
    @Test
    void installKeepsTheUpdaterState() {
        ComputationGraph net = new ComputationGraph(Models.graph(m0(), base(DataType.FLOAT)));
        net.init();
        net.fit(batch(DataType.FLOAT, 2));
        INDArray state = net.getUpdater().getStateViewArray();
        float[] before = state.toFloatVector();
        assertNotEquals(0.0, state.norm1Number().doubleValue(), "a step left momentum to keep");
        MinibatchMeanUpdater.install(net);
        ComputationGraphUpdater installed = net.getUpdater();
        assertInstanceOf(MinibatchMeanUpdater.class, installed);
        assertSame(state, installed.getStateViewArray());
        assertArrayEquals(before, installed.getStateViewArray().toFloatVector());
        MinibatchMeanUpdater.install(net);
        assertSame(installed, net.getUpdater());
    }

    private static String firstBatchNorm(ComputationGraph net) {
        for (org.deeplearning4j.nn.api.Layer l : net.getLayers()) {
            if (l.paramTable().keySet().stream().anyMatch(BatchNormParams::isRunningStatistic)) {
                return l.conf().getLayer().getLayerName();
            }
        }
        throw new AssertionError("M0 has no batch norm");
    }
}
