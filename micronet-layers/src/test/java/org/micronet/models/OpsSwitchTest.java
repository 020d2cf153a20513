package org.micronet.models;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.micronet.config.StrictYaml;
import org.micronet.layers.AxialConv;
import org.micronet.layers.BatchNorm;
import org.micronet.layers.DepthwiseConv;
import org.micronet.layers.params.BatchNormParams;
import org.micronet.testing.AxialLayout;
import org.micronet.testing.LayerHarness;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ops: micronet} and {@code ops: dl4j} build the same M0 (vertex names, function,
 * gradients) from different layers: our axial convs and batch norms or DL4J's layers.
 */
class OpsSwitchTest {
    private static final String[] AXIAL = {"features.0.stem.0.conv.0", "features.0.stem.0.conv.2",
            "features.1.layers.0.conv.0", "features.1.layers.0.conv.2"};

    /** M0 at 32 x 32 without dropout (the two networks would draw different masks). */
    private static ModelConfig m0(String ops) {
        ObjectNode tree = StrictYaml.toTree(Models.bundled("m0").withTask(32, 10));
        tree.put("ops", ops);
        ((ObjectNode) tree.get("head")).put("dropout", 0.0);
        return ModelConfigLoader.fromTree(tree, "m0 with ops " + ops);
    }

    private static Layer layer(ComputationGraphConfiguration conf, String vertex) {
        return ((LayerVertex) conf.getVertices().get(vertex)).getLayerConf().getLayer();
    }

    @Test
    void theSwitchPicksTheLayersAndKeepsTheNames() {
        assertEquals(Ops.MICRONET, Models.bundled("m0").ops(), "the default");
        // the reference's layers: training fuses activations into our batch norms only
        ComputationGraphConfiguration ours = Models.referenceGraph(m0("micronet"), Models.defaults(0));
        ComputationGraphConfiguration dl4j = Models.referenceGraph(m0("dl4j"), Models.defaults(0));
        assertEquals(ours.getVertices().keySet(), dl4j.getVertices().keySet());
        for (String v : AXIAL) {
            assertInstanceOf(AxialConv.class, layer(ours, v), v);
        }
        assertInstanceOf(ConvolutionLayer.class, layer(dl4j, AXIAL[0]));
        for (int i = 1; i < AXIAL.length; i++) {
            assertInstanceOf(DepthwiseConvolution2D.class, layer(dl4j, AXIAL[i]), AXIAL[i]);
        }
        assertInstanceOf(BatchNorm.class, layer(ours, "features.0.stem.0.conv.1"));
        assertInstanceOf(BatchNormalization.class, layer(dl4j, "features.0.stem.0.conv.1"));
        // the full k x k depthwise of the ablation and of MobileNetV3 follow the switch too
        ModelConfig full = Models.bundled("table2-1-mobile");
        assertInstanceOf(DepthwiseConv.class, layer(Models.graph(full, Models.defaults(0)), "features.1.layers.3.conv.0"));
        assertInstanceOf(DepthwiseConvolution2D.class,
                layer(Models.graph(full.withOps(Ops.DL4J), Models.defaults(0)), "features.1.layers.3.conv.0"));
        ModelConfig mobile = Models.bundled("mobilenetv3-small-1.0");
        assertInstanceOf(DepthwiseConv.class, layer(Models.graph(mobile, Models.defaults(0)), "features.1.block.0.0"));
        assertInstanceOf(DepthwiseConvolution2D.class,
                layer(Models.graph(mobile.withOps(Ops.DL4J), Models.defaults(0)), "features.1.block.0.0"));
    }

    @Test
    void bothOpsComputeTheSameNetwork() {
        NeuralNetConfiguration.Builder base = new NeuralNetConfiguration.Builder().seed(3)
                .dataType(DataType.DOUBLE).updater(new NoOp());
        ComputationGraph ours = Models.create(m0("micronet"), base);
        ComputationGraph dl4j = Models.create(m0("dl4j"), base);
        for (org.deeplearning4j.nn.api.Layer l : ours.getLayers()) {
            Layer conf = l.conf().getLayer();
            for (Map.Entry<String, INDArray> p : l.paramTable().entrySet()) {
                INDArray v = conf instanceof AxialConv a ? AxialLayout.toDl4j(a, p.getValue()) : p.getValue();
                dl4j.getLayer(conf.getLayerName()).setParam(p.getKey(), v);
            }
        }
        INDArray x = LayerHarness.randomInput(1, 2, 3, 32, 32);
        assertClose(dl4j.outputSingle(x), ours.outputSingle(x), 1e-10, "inference output");

        INDArray labels = Nd4j.zeros(DataType.DOUBLE, 2, 10);
        labels.putScalar(0, 3, 1.0);
        labels.putScalar(1, 7, 1.0);
        Gradient expected = gradient(dl4j, x, labels);
        Gradient actual = gradient(ours, x, labels);
        assertEquals(dl4j.score(), ours.score(), 1e-10, "training loss");
        for (org.deeplearning4j.nn.api.Layer l : ours.getLayers()) {
            Layer conf = l.conf().getLayer();
            for (String key : l.paramTable().keySet()) {
                if (conf instanceof BatchNorm && BatchNormParams.isRunningStatistic(key)) {
                    continue; // moving-average steps, not gradients; ours use PyTorch's unbiased variance
                }
                String name = conf.getLayerName() + "_" + key;
                INDArray g = actual.getGradientFor(name);
                // training-mode batch norm divides by small batch deviations: rounding grows to ~1e-10
                assertClose(expected.getGradientFor(name), conf instanceof AxialConv a ? AxialLayout.toDl4j(a, g) : g,
                        1e-8, "gradient of " + name);
            }
        }
    }

    private static Gradient gradient(ComputationGraph net, INDArray x, INDArray labels) {
        net.setInputs(x);
        net.setLabels(labels);
        net.computeGradientAndScore();
        return net.gradient();
    }

    /** Relative to the largest expected value (at least 1): rounding grows with the values. */
    private static void assertClose(INDArray expected, INDArray actual, double tolerance, String what) {
        double diff = expected.sub(actual).amaxNumber().doubleValue()
                / Math.max(1.0, expected.amaxNumber().doubleValue());
        assertTrue(diff < tolerance, what + " differs by " + diff);
    }
}
