package org.micronet.testing;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Puts one layer between a 1x1 convolution (whose weight gradient depends on the gradient the
 * layer passes down, so that is checked too) and an MSE loss, in double precision.
 */
public final class LayerHarness {
    private LayerHarness() {
    }

    static {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    public static ComputationGraph graph(Layer layer, int channels, int height, int width, long seed) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.DOUBLE)
                .updater(new NoOp())
                .weightInit(WeightInit.XAVIER)
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.convolutional(height, width, channels))
                .addLayer("pre", new ConvolutionLayer.Builder(1, 1).nIn(channels).nOut(channels)
                        .convolutionMode(ConvolutionMode.Same).activation(Activation.IDENTITY).hasBias(true).build(), "in")
                .addLayer("under-test", layer, "pre")
                .addLayer("loss", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE)
                        .activation(Activation.IDENTITY).build(), "under-test")
                .setOutputs("loss")
                .build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        return net;
    }

    /** The layer of {@link #graph}, ready for activate and backpropGradient calls of its own. */
    public static org.deeplearning4j.nn.api.Layer instance(Layer conf, int channels, int height, int width) {
        ComputationGraph net = graph(conf, channels, height, width, 1);
        net.initGradientsView();
        return net.getLayer("under-test");
    }

    /**
     * Our layer against DL4J's, both with their weights set: on input {@code x} and a random output
     * gradient, the outputs, input gradients and weight gradients (ours under {@code weightKey},
     * mapped to DL4J's layout "W" by {@code toDl4j}) agree to 1e-10.
     */
    public static void assertMatchesDl4j(org.deeplearning4j.nn.api.Layer ours, org.deeplearning4j.nn.api.Layer theirs,
                                         INDArray x, String weightKey, UnaryOperator<INDArray> toDl4j) {
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        ours.setInput(x, mgr);
        theirs.setInput(x, mgr);
        INDArray y = ours.activate(true, mgr);
        assertClose(theirs.activate(true, mgr), y, "output");

        INDArray dy = randomInput(3, y.shape());
        Pair<Gradient, INDArray> g = ours.backpropGradient(dy.dup(), mgr);
        Pair<Gradient, INDArray> expected = theirs.backpropGradient(dy.dup(), mgr);
        assertClose(expected.getSecond(), g.getSecond(), "input gradient");
        assertClose(expected.getFirst().getGradientFor("W"), toDl4j.apply(g.getFirst().getGradientFor(weightKey)),
                "weight gradient");
    }

    private static void assertClose(INDArray expected, INDArray actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
        double diff = expected.sub(actual).amaxNumber().doubleValue();
        assertTrue(diff < 1e-10, what + " differs by " + diff);
    }

    public static INDArray randomInput(long seed, long... shape) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.randn(DataType.DOUBLE, shape);
    }

    /** The graph's gradient of its loss on {@code x} and {@code labels}, both cast to the graph's data type. */
    public static Gradient gradient(ComputationGraph net, INDArray x, INDArray labels) {
        DataType type = net.params().dataType();
        net.setInputs(x.castTo(type));
        net.setLabels(labels.castTo(type));
        net.computeGradientAndScore();
        return net.gradient();
    }

    /** Gradient check of every parameter of the graph, including the layer's own. */
    public static void assertGradientsMatch(ComputationGraph net, INDArray input, long seed) {
        INDArray out = net.outputSingle(input);
        INDArray labels = randomInput(seed + 1, out.shape());
        boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig()
                .net(net).inputs(new INDArray[]{input}).labels(new INDArray[]{labels})
                .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9)
                .print(GradientCheckUtil.PrintMode.FAILURES_ONLY).exitOnFirstError(false));
        assertTrue(ok, "gradient check failed for " + net.getLayer("under-test").conf().getLayer());
    }

    /** The JSON of the configuration and a ModelSerializer round trip both give the same network. */
    public static void assertRoundTrips(ComputationGraph net, INDArray input) throws IOException {
        ComputationGraphConfiguration conf = net.getConfiguration();
        ComputationGraphConfiguration fromJson = ComputationGraphConfiguration.fromJson(conf.toJson());
        assertEquals(conf, fromJson, "configuration JSON round trip");
        assertEquals(conf.getVertices().get("under-test"), fromJson.getVertices().get("under-test"));

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net, bytes, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes.toByteArray()), true);
        assertEquals(net.params(), restored.params(), "parameters after ModelSerializer round trip");
        assertEquals(net.outputSingle(input), restored.outputSingle(input), "outputs after ModelSerializer round trip");
    }
}
