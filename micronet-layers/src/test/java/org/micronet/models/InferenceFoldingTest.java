package org.micronet.models;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.micronet.kernels.FusedActivation;
import org.micronet.layers.BatchNorm;
import org.micronet.layers.ChannelShuffle;
import org.micronet.layers.FoldedDense;
import org.micronet.layers.FoldedFactorizedDepthwise;
import org.micronet.layers.GroupAdaptivePointwiseConv;
import org.micronet.layers.params.BatchNormParams;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A folded graph computes, at every vertex the two graphs share, what the trained graph computes
 * at inference (a conv with a batch norm folded in now yields what its batch norm did; one with
 * shuffles folded in reads them itself), with batch norm statistics far from their initial
 * identity so that a fold that drops a term shows; for a batch and for one image, which the
 * folded dense layers run on a kernel of their own.
 */
class InferenceFoldingTest {

    /**
     * The shuffles that stay: those whose output a residual add, a ReLU6 or two layers read. The
     * depthwise pairs: M0's stem and its six blocks, with the ReLU6 folded in where one reads the
     * pair (its first block's; the stem's pair feeds a shuffle first); M3's stem and eleven blocks,
     * none before a ReLU6 (its blocks use Dynamic Shift-Max); MobileNetV3 has none. The pointwise
     * convs that take their batch norm's activation: none of M0's (Dynamic Shift-Max follows
     * them), 9 of M3's (the ReLU6 of its later blocks' first conv) and MobileNetV3's 11.
     */
    @ParameterizedTest(name = "{0} in {1}")
    @CsvSource({"m0,DOUBLE,1e-10,1,7,1,0,3", "m0,FLOAT,1e-4,1,7,1,0,3", "m3,FLOAT,1e-4,9,12,0,9,3",
            "mobilenetv3-small-1.0,FLOAT,1e-4,0,0,0,11,3",
            // one image: the folded dense layers' own kernel
            "m0,FLOAT,1e-4,1,7,1,0,1", "m3,FLOAT,1e-4,9,12,0,9,1", "mobilenetv3-small-1.0,FLOAT,1e-4,0,0,0,11,1"})
    void foldedGraphComputesTheTrainedGraphsInference(String model, DataType type, double tolerance, int shufflesLeft,
                                                      int pairs, int pairsWithActivation, int pointwiseWithActivation,
                                                      int batch) {
        ComputationGraph trained = Models.create(Models.bundled(model).withTask(32, 10),
                new NeuralNetConfiguration.Builder().seed(3).dataType(type).updater(new NoOp()));
        trainedStatistics(trained);
        List<String> norms = vertices(trained, BatchNorm.class);
        // a batch norm with an activation fused in for training leaves that activation to its
        // pointwise conv, or else as a layer
        List<String> activated = norms.stream().filter(n -> ((BatchNorm) trained.getLayer(n).conf().getLayer())
                .getActivation() != FusedActivation.NONE).toList();
        int shuffles = vertices(trained, ChannelShuffle.class).size();

        ComputationGraph folded = InferenceFolding.fold(trained);

        Map<String, List<String>> inputs = trained.getConfiguration().getVertexInputs();
        assertEquals(List.of(), vertices(folded, BatchNorm.class), "batch norms left");
        assertEquals(shufflesLeft, vertices(folded, ChannelShuffle.class).size(), "shuffles left of " + shuffles);
        List<String> fused = vertices(folded, FoldedFactorizedDepthwise.class);
        long activations = fused.stream().filter(f -> f.split("\\+").length == 3).count();
        assertEquals(pairs, fused.size(), "depthwise pairs folded: " + fused);
        assertEquals(pairsWithActivation, activations, "depthwise pairs with their activation folded: " + fused);
        // the outputs below stay under 6 here, so ReLU6's upper end is checked on the layer
        fused.stream().filter(f -> f.split("\\+").length == 3).forEach(f -> assertEquals(
                FusedActivation.RELU6, ((FoldedFactorizedDepthwise) folded.getLayer(f).conf().getLayer())
                        .getActivation(), f + " folds a ReLU6"));
        List<String> pointwiseActivated = vertices(folded, GroupAdaptivePointwiseConv.class).stream()
                .filter(p -> ((GroupAdaptivePointwiseConv) folded.getLayer(p).conf().getLayer()).getActivation()
                        != FusedActivation.NONE).toList();
        assertEquals(pointwiseWithActivation, pointwiseActivated.size(), "pointwise convs with an activation: "
                + pointwiseActivated);
        assertEquals(vertices(trained, DenseLayer.class), vertices(folded, FoldedDense.class), "dense layers");
        assertEquals(trained.getVertices().length - norms.size() + activated.size() - pointwiseActivated.size()
                        - shuffles + shufflesLeft - pairs - activations,
                folded.getVertices().length, "vertices");
        Nd4j.getRandom().setSeed(4);
        INDArray x = Nd4j.randn(type, batch, 3, 32, 32);
        Map<String, INDArray> want = trained.feedForward(x, false);
        Map<String, INDArray> got = folded.feedForward(x, false);
        for (Map.Entry<String, INDArray> e : got.entrySet()) {
            // a fused pair's output is that of its last part (the 1 x k conv, or the activation)
            String name = e.getKey().substring(e.getKey().lastIndexOf('+') + 1);
            // a folded layer's output is its batch norm's
            String same = norms.stream().filter(n -> inputs.get(n).equals(List.of(name))).findFirst().orElse(name);
            if (!same.equals(name) && activated.contains(same) && !pointwiseActivated.contains(name)) {
                continue;  // the conv's output is its batch norm's before the activation: no trained vertex holds it
            }
            assertClose(e.getKey(), want.get(same), e.getValue(), tolerance);
        }
    }

    /** Training a folded graph would train a network without batch norm: its pairs refuse a backward pass. */
    @Test
    void aFoldedGraphCannotBeTrained() {
        ComputationGraph folded = InferenceFolding.fold(Models.create(Models.bundled("m0").withTask(32, 10),
                new NeuralNetConfiguration.Builder().seed(3).updater(new NoOp())));
        INDArray labels = Nd4j.zeros(DataType.FLOAT, 2, 10);
        labels.putScalar(0, 1, 1);
        labels.putScalar(1, 2, 1);
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> folded.fit(new DataSet(Nd4j.randn(DataType.FLOAT, 2, 3, 32, 32), labels)));
        assertTrue(e.getMessage().contains("folded for inference"), e.getMessage());
    }

    private static List<String> vertices(ComputationGraph net, Class<?> layer) {
        return net.getConfiguration().getVertices().entrySet().stream()
                .filter(e -> e.getValue() instanceof LayerVertex v && layer.isInstance(v.getLayerConf().getLayer()))
                .map(Map.Entry::getKey).sorted().toList();
    }

    /** Batch norm parameters and running statistics as training leaves them: none at 0 or 1. */
    private static void trainedStatistics(ComputationGraph net) {
        Nd4j.getRandom().setSeed(5);
        net.paramTable().forEach((key, p) -> {
            String param = key.substring(key.lastIndexOf('_') + 1);
            INDArray r = Nd4j.rand(p.dataType(), p.shape());
            switch (param) {
                case BatchNormParams.GAMMA -> p.assign(r.muli(1.5).addi(0.25));
                case BatchNormParams.VAR -> p.assign(r.muli(2).addi(0.1));
                case BatchNormParams.BETA, BatchNormParams.MEAN -> p.assign(r.subi(0.5));
                default -> {
                }
            }
        });
    }

    private static void assertClose(String what, INDArray want, INDArray got, double rel) {
        double scale = want.amaxNumber().doubleValue();
        double err = want.castTo(DataType.DOUBLE).sub(got.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        assertTrue(err <= rel * scale, what + ": max |folded - trained| " + err + " > " + rel + " x " + scale);
    }
}
