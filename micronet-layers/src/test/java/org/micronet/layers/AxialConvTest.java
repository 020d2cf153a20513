package org.micronet.layers;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.micronet.blocks.Layers;
import org.micronet.kernels.KernelProvider;
import org.micronet.layers.AxialConv.Axis;
import org.micronet.layers.params.GroupedConvParams;
import org.micronet.models.Ops;
import org.micronet.testing.AxialLayout;
import org.micronet.testing.LayerHarness;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The axial conv against finite differences and against the DL4J layer it replaces (the same
 * weights re-laid out): outputs, input gradients and weight gradients, in double precision.
 */
class AxialConvTest {

    private static AxialConv layer(Axis axis, int k, int stride, int cin, int cout, int groups) {
        return (AxialConv) Layers.axialConv(Ops.MICRONET, axis, k, stride, cin, cout, groups);
    }

    /** axis, k, stride, cin, cout, groups, h, w: depthwise with multipliers 1-4, full convs, odd sizes. */
    private static Stream<Arguments> shapes() {
        return Stream.of(
                Arguments.of(Axis.HEIGHT, 3, 1, 2, 2, 2, 7, 5),
                Arguments.of(Axis.WIDTH, 3, 2, 2, 4, 2, 7, 5),
                Arguments.of(Axis.HEIGHT, 5, 2, 2, 8, 2, 7, 5),
                Arguments.of(Axis.WIDTH, 5, 1, 3, 12, 3, 5, 7),
                Arguments.of(Axis.HEIGHT, 3, 2, 3, 4, 1, 7, 5),
                Arguments.of(Axis.WIDTH, 3, 2, 3, 2, 1, 5, 7),
                Arguments.of(Axis.HEIGHT, 5, 1, 4, 6, 2, 6, 3),
                Arguments.of(Axis.WIDTH, 5, 2, 2, 4, 2, 3, 2));
    }

    /** The shapes DL4J has a layer for: one group, or depthwise (groups == cin). */
    private static Stream<Arguments> dl4jShapes() {
        return shapes().filter(a -> {
            Object[] v = a.get();
            return (int) v[5] == 1 || (int) v[5] == (int) v[3];
        });
    }

    @ParameterizedTest(name = "{0} k={1} stride={2} {3}->{4} groups={5} {6}x{7}")
    @MethodSource("shapes")
    void gradientsMatchFiniteDifferences(Axis axis, int k, int stride, int cin, int cout, int groups, int h, int w) {
        ComputationGraph net = LayerHarness.graph(layer(axis, k, stride, cin, cout, groups), cin, h, w, 42);
        LayerHarness.assertGradientsMatch(net, LayerHarness.randomInput(7, 2, cin, h, w), 7);
    }

    @ParameterizedTest(name = "{0} k={1} stride={2} {3}->{4} groups={5} {6}x{7}")
    @MethodSource("dl4jShapes")
    void equalsTheDl4jLayerItReplaces(Axis axis, int k, int stride, int cin, int cout, int groups, int h, int w) {
        AxialConv conf = layer(axis, k, stride, cin, cout, groups);
        org.deeplearning4j.nn.api.Layer ours = LayerHarness.instance(conf, cin, h, w);
        org.deeplearning4j.nn.api.Layer theirs = LayerHarness.instance(
                Layers.axialConv(Ops.DL4J, axis, k, stride, cin, cout, groups), cin, h, w);
        INDArray weight = LayerHarness.randomInput(1, conf.getNOut(), conf.getNIn() / conf.getGroups(), k);
        ours.setParam(GroupedConvParams.WEIGHT, weight);
        theirs.setParam("W", AxialLayout.toDl4j(conf, weight));

        INDArray x = LayerHarness.randomInput(2, 3, cin, h, w);
        LayerHarness.assertMatchesDl4j(ours, theirs, x, GroupedConvParams.WEIGHT, dw -> AxialLayout.toDl4j(conf, dw));
    }

    /** M0's axial convs at 32 x 32 (stem, block 1, a stride-1 block) and the odd shapes above. */
    private static Stream<Arguments> floatShapes() {
        return Stream.concat(shapes(), Stream.of(
                Arguments.of(Axis.HEIGHT, 3, 2, 3, 2, 1, 32, 32),
                Arguments.of(Axis.WIDTH, 3, 2, 2, 4, 2, 16, 32),
                Arguments.of(Axis.HEIGHT, 3, 2, 4, 8, 4, 16, 16),
                Arguments.of(Axis.WIDTH, 3, 2, 8, 16, 8, 8, 16),
                Arguments.of(Axis.HEIGHT, 5, 1, 64, 64, 64, 2, 2)));
    }

    @ParameterizedTest(name = "{0} k={1} stride={2} {3}->{4} groups={5} {6}x{7}")
    @MethodSource("floatShapes")
    void aFloatLayerRunsTheSimdKernelAndMatchesTheDoubleLayer(Axis axis, int k, int stride, int cin, int cout,
                                                              int groups, int h, int w) {
        assertTrue(KernelProvider.simd(), "the tests run with --add-modules jdk.incubator.vector");
        org.deeplearning4j.nn.api.Layer dbl = LayerHarness.instance(layer(axis, k, stride, cin, cout, groups), cin, h, w);
        org.deeplearning4j.nn.api.Layer flt = floatInstance(layer(axis, k, stride, cin, cout, groups), cin, h, w);
        INDArray weight = LayerHarness.randomInput(4, cout, cin / groups, k);
        dbl.setParam(GroupedConvParams.WEIGHT, weight);
        flt.setParam(GroupedConvParams.WEIGHT, weight.castTo(DataType.FLOAT));
        INDArray x = LayerHarness.randomInput(5, 3, cin, h, w);
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        dbl.setInput(x, mgr);
        flt.setInput(x.castTo(DataType.FLOAT), mgr);
        INDArray y = dbl.activate(true, mgr);
        INDArray yf = flt.activate(true, mgr);
        assertEquals(DataType.FLOAT, yf.dataType());
        assertNear(y, yf, "output");

        INDArray dy = LayerHarness.randomInput(6, y.shape());
        Pair<Gradient, INDArray> g = dbl.backpropGradient(dy.dup(), mgr);
        Pair<Gradient, INDArray> gf = flt.backpropGradient(dy.castTo(DataType.FLOAT), mgr);
        assertNear(g.getSecond(), gf.getSecond(), "input gradient");
        assertNear(g.getFirst().getGradientFor(GroupedConvParams.WEIGHT),
                gf.getFirst().getGradientFor(GroupedConvParams.WEIGHT), "weight gradient");
    }

    /** The layer in a FLOAT graph of its own (input, layer, loss). */
    private static org.deeplearning4j.nn.api.Layer floatInstance(Layer conf, int channels, int h, int w) {
        ComputationGraph net = new ComputationGraph(new NeuralNetConfiguration.Builder()
                .seed(1).dataType(DataType.FLOAT).updater(new NoOp()).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(h, w, channels))
                .addLayer("under-test", conf, "in")
                .addLayer("loss", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE)
                        .activation(Activation.IDENTITY).build(), "under-test")
                .setOutputs("loss").build());
        net.init();
        net.initGradientsView();
        return net.getLayer("under-test");
    }

    /** Within float round-off of sums of a few dozen terms of unit size. */
    private static void assertNear(INDArray expected, INDArray actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
        double diff = expected.sub(actual.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        double scale = expected.amaxNumber().doubleValue();
        assertTrue(diff <= 1e-5 * (1 + scale), what + " differs by " + diff + " (largest value " + scale + ")");
    }

    @Test
    void depthwiseOutputChannelsReadTheirOwnInputChannel() {
        // 2 -> 4 channels along width, multiplier 2: out channels 0-1 read input 0, 2-3 input 1
        ComputationGraph net = LayerHarness.graph(layer(Axis.WIDTH, 3, 1, 2, 4, 2), 2, 1, 3, 1);
        net.getLayer("under-test").setParam(GroupedConvParams.WEIGHT, Nd4j.createFromArray(new double[][][]{
                {{0, 1, 0}}, {{1, 0, 0}}, {{0, 0, 1}}, {{1, 1, 1}}}));
        net.getLayer("pre").setParam("W", Nd4j.eye(2).reshape(2, 2, 1, 1));
        net.getLayer("pre").setParam("b", Nd4j.zeros(1, 2));
        INDArray x = Nd4j.createFromArray(1.0, 2.0, 3.0, 10.0, 20.0, 30.0).reshape(1, 2, 1, 3);
        INDArray y = net.feedForward(x, false).get("under-test");
        // taps at offsets -1, 0, +1 with zero padding
        assertArrayEquals(new double[]{1, 2, 3, 0, 1, 2, 20, 30, 0, 30, 60, 50}, y.reshape(12).toDoubleVector(), 1e-12);
    }

    @Test
    void outputSizeIsWhatTruncateModeGives() {
        INDArray y = LayerHarness.graph(layer(Axis.HEIGHT, 5, 2, 2, 4, 2), 2, 7, 5, 1)
                .feedForward(LayerHarness.randomInput(1, 1, 2, 7, 5), false).get("under-test");
        assertArrayEquals(new long[]{1, 4, 4, 5}, y.shape());
    }

    @Test
    void badSettingsAreRejectedNamingTheLayer() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new AxialConv.Builder()
                .name("features.1.layers.0.conv.0").axis(Axis.HEIGHT).kernel(3).nIn(6).nOut(9).groups(6).build());
        assertTrue(e.getMessage().contains("features.1.layers.0.conv.0") && e.getMessage().contains("6 groups"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new AxialConv.Builder().name("x").kernel(3).nIn(2).nOut(2).build());
        assertTrue(e.getMessage().contains("axis"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new AxialConv.Builder().name("x").axis(Axis.WIDTH).kernel(3).stride(0).nIn(2).nOut(2).build());
        assertTrue(e.getMessage().contains("stride 0"), e.getMessage());
    }

    @Test
    void roundTripsThroughJsonAndModelSerializer() throws Exception {
        ComputationGraph net = LayerHarness.graph(layer(Axis.WIDTH, 5, 2, 3, 6, 3), 3, 5, 7, 3);
        // equals compares every field, so a field the JSON mapper drops fails here
        LayerHarness.assertRoundTrips(net, LayerHarness.randomInput(3, 2, 3, 5, 7));
    }
}
