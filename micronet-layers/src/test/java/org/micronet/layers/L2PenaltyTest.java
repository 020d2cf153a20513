package org.micronet.layers;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.micronet.kernels.KernelProvider;
import org.micronet.models.ModelConfig;
import org.micronet.models.Models;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.learning.regularization.Regularization;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link L2Penalty} against DL4J's {@link L2Regularization}, which it must equal in effect. */
class L2PenaltyTest {
    private static final double DECAY = 0.05;

    /** M0 at 32x32 for 10 classes, without the head's dropout, whose masks would differ between networks. */
    private static ComputationGraph m0(List<Regularization> regularization) {
        ModelConfig c = Models.resolve("m0");
        ModelConfig cfg = new ModelConfig(c.name(), c.description(), c.architecture(), 32, 10, c.stem(),
                new ModelConfig.Head(c.head().width(), 0.0), c.shiftMax(), c.ablation(), c.ops(), c.blocks(),
                c.mobilenet(), null, c.paper());
        return Models.create(cfg, new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT)
                .updater(new Sgd(0.1)).regularization(regularization).regularizationBias(regularization));
    }

    /** Three steps of M0, whose parameter arrays are all FLOAT, as with DL4J's L2 (float round-off apart). */
    @Test
    void stepsAndScoresOfANetworkEqualThoseWithDl4jsL2() {
        assertTrue(KernelProvider.simd(), "the tests' JVM runs the SIMD kernels (surefire's --add-modules)");
        ComputationGraph ours = m0(List.of(new L2Penalty(DECAY)));
        ComputationGraph dl4j = m0(List.of(new L2Regularization(DECAY)));
        ComputationGraph none = m0(List.of());
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 3, 32, 32).subi(0.5);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 4, 10);
        for (int i = 0; i < 4; i++) {
            y.putScalar(i, 3 * i, 1.0);
        }
        DataSet d = new DataSet(x, y);
        for (int step = 0; step < 3; step++) {
            ours.fit(d);
            dl4j.fit(d);
            none.fit(d);
            assertEquals(dl4j.score(), ours.score(), 1e-5 * dl4j.score(), "score after step " + step);
        }
        double penalty = dl4j.calcRegularizationScore(true);
        assertEquals(penalty, ours.calcRegularizationScore(true), 1e-6 * penalty);
        double moved = dl4j.params().sub(none.params()).norm2Number().doubleValue();
        double apart = dl4j.params().sub(ours.params()).norm2Number().doubleValue();
        // the decay moved the parameters; ours moved them the same way
        assertTrue(apart < 1e-4 * moved, "parameters " + apart + " apart, decay moved them " + moved);
    }

    /** Arrays not contiguous in c order (a transposed view, f-order weights) get DL4J's result. */
    @Test
    void arraysItCannotReadInPlaceGetDl4jsResult() {
        INDArray w = Nd4j.rand(DataType.FLOAT, 7, 5).subi(0.5);
        INDArray transposed = w.transpose();
        INDArray fOrder = w.dup('f');
        L2Penalty ours = new L2Penalty(DECAY);
        L2Regularization dl4j = new L2Regularization(DECAY);
        for (INDArray p : List.of(transposed, fOrder, w)) {
            assertEquals(dl4j.score(p, 0, 0), ours.score(p, 0, 0), 1e-7, "score of " + p.ordering() + " " + p.isView());
            INDArray g1 = Nd4j.rand(DataType.FLOAT, p.shape()).dup(p.ordering());
            INDArray g2 = g1.dup(p.ordering());
            ours.apply(p, g1, 0.1, 0, 0);
            dl4j.apply(p, g2, 0.1, 0, 0);
            assertEquals(0.0, g1.sub(g2).norm2Number().doubleValue(), 1e-6, "gradient of " + p.ordering());
        }
    }

    /**
     * The score reads an f-order view into a longer buffer, as DL4J keeps dense weights, where
     * its elements lie: its own, from its offset.
     */
    @Test
    void scoresAnFOrderViewFromItsOwnElements() {
        INDArray flat = Nd4j.rand(DataType.FLOAT, 1, 60).subi(0.5);
        INDArray w = flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(10, 45)).reshape('f', 7, 5);
        assertTrue(w.isView() && w.ordering() == 'f' && KernelBridge.contiguous(w) && !KernelBridge.inPlace(w),
                "an f-order view the kernel reads in place");
        double squares = 0;
        for (int i = 0; i < 7; i++) {
            for (int j = 0; j < 5; j++) {
                squares += w.getDouble(i, j) * w.getDouble(i, j);
            }
        }
        assertEquals(0.5 * DECAY * squares, new L2Penalty(DECAY).score(w, 0, 0), 1e-6 * squares);
    }

    /** Spark's workers build their networks from the configuration's JSON. */
    @Test
    void survivesTheConfigurationsJsonAndIsNotTakenForDl4jsClass() {
        ComputationGraphConfiguration conf = m0(List.of(new L2Penalty(DECAY))).getConfiguration();
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());
        assertEquals(conf, back);
        List<Regularization> first = back.getVertices().values().stream()
                .filter(v -> v instanceof LayerVertex l && l.getLayerConf().getLayer() instanceof BaseLayer)
                .map(v -> ((BaseLayer) ((LayerVertex) v).getLayerConf().getLayer()).getRegularization())
                .findFirst().orElseThrow();
        assertEquals(List.of(new L2Penalty(DECAY)), first);
        assertNotEquals(new L2Penalty(DECAY), new L2Regularization(DECAY));
        assertNotEquals(new L2Regularization(DECAY), new L2Penalty(DECAY));
    }
}
