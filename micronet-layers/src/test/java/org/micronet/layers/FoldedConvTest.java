package org.micronet.layers;

import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.micronet.layers.AxialConv.Axis;
import org.micronet.layers.params.BlockParams;
import org.micronet.testing.LayerHarness;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@code InferenceFolding} folds into our three convolutions, each on its own: the optional
 * per-output-channel bias (a batch norm's shift) and the channel shuffles the conv reads its
 * input through. Gradients against finite differences, the effect on the output, the float path
 * against the double one, and the config round trip.
 */
class FoldedConvTest {

    /** name, layer with or without bias, input channels, height, width, input shuffles (groups). */
    private static Stream<Arguments> convs() {
        Function<Boolean, Layer> axial = bias -> new AxialConv.Builder().axis(Axis.WIDTH).kernel(3).stride(2).nIn(6)
                .nOut(12).groups(2).bias(bias).build();
        Function<Boolean, Layer> depthwise = bias -> new DepthwiseConv.Builder().kernel(3, 3).stride(1, 2).nIn(6)
                .multiplier(2).bias(bias).build();
        Function<Boolean, Layer> pointwise = bias -> new GroupAdaptivePointwiseConv.Builder().nIn(12).nOut(4).groups(2)
                .bias(bias).build();
        // shuffle(g)'s inverse is shuffle(C / g): these are neither their own inverses nor each other's
        return Stream.of(
                Arguments.of("axial 1x3 stride 2, 6->12, 2 groups", axial, 6, 5, 7, new int[]{2}),
                Arguments.of("depthwise 3x3 stride 1x2, x2", depthwise, 6, 6, 5, new int[]{3}),
                Arguments.of("pointwise 12->4, 2 groups", pointwise, 12, 3, 5, new int[]{2, 3}));
    }

    private static ComputationGraph withRandomBias(Function<Boolean, Layer> conv, int c, int h, int w) {
        return withRandomBias(conv, c, h, w, new int[0]);
    }

    private static ComputationGraph withRandomBias(Function<Boolean, Layer> conv, int c, int h, int w, int[] shuffles) {
        Layer layer = conv.apply(true);
        ((ConvParamLayer) layer).setInputShuffles(shuffles);
        ComputationGraph net = LayerHarness.graph(layer, c, h, w, 42);
        INDArray b = net.getLayer("under-test").getParam(BlockParams.BIAS);
        b.assign(LayerHarness.randomInput(3, b.shape()));
        return net;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("convs")
    void gradientsMatchFiniteDifferences(String name, Function<Boolean, Layer> conv, int c, int h, int w,
                                         int[] shuffles) {
        LayerHarness.assertGradientsMatch(withRandomBias(conv, c, h, w, shuffles),
                LayerHarness.randomInput(7, 2, c, h, w), 7);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("convs")
    void theBiasShiftsEachOutputChannel(String name, Function<Boolean, Layer> conv, int c, int h, int w,
                                        int[] shuffles) {
        org.deeplearning4j.nn.api.Layer with = withRandomBias(conv, c, h, w).getLayer("under-test");
        org.deeplearning4j.nn.api.Layer without = LayerHarness.instance(conv.apply(false), c, h, w);
        without.setParam("W", with.getParam("W"));
        INDArray x = LayerHarness.randomInput(5, 2, c, h, w);
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        with.setInput(x, mgr);
        without.setInput(x, mgr);
        INDArray shift = with.activate(false, mgr).sub(without.activate(false, mgr));
        double[] b = with.getParam(BlockParams.BIAS).toDoubleVector();
        for (int ch = 0; ch < b.length; ch++) {
            INDArray plane = shift.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.point(ch));
            assertEquals(b[ch], plane.minNumber().doubleValue(), 1e-12, name + " channel " + ch);
            assertEquals(b[ch], plane.maxNumber().doubleValue(), 1e-12, name + " channel " + ch);
        }
    }

    /** Against shuffles by their definition: view C as (g, C/g), transpose, flatten. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("convs")
    void inputShufflesShuffleTheInputFirst(String name, Function<Boolean, Layer> conv, int c, int h, int w,
                                           int[] shuffles) {
        org.deeplearning4j.nn.api.Layer folded = withRandomBias(conv, c, h, w, shuffles).getLayer("under-test");
        org.deeplearning4j.nn.api.Layer plain = withRandomBias(conv, c, h, w).getLayer("under-test");
        folded.paramTable().forEach(plain::setParam);
        INDArray x = LayerHarness.randomInput(5, 2, c, h, w);
        INDArray shuffled = x;
        for (int g : shuffles) {
            shuffled = shuffled.reshape('c', 2, g, c / g, h, w).permute(0, 2, 1, 3, 4).dup('c').reshape('c', 2, c, h, w);
        }
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        folded.setInput(x, mgr);
        plain.setInput(shuffled, mgr);
        assertEquals(plain.activate(false, mgr), folded.activate(false, mgr), name);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("convs")
    void floatPathAgreesWithDouble(String name, Function<Boolean, Layer> conv, int c, int h, int w, int[] shuffles) {
        ComputationGraph dbl = withRandomBias(conv, c, h, w, shuffles);
        ComputationGraph flt = dbl.convertDataType(DataType.FLOAT);
        INDArray x = LayerHarness.randomInput(9, 3, c, h, w);
        INDArray out = dbl.outputSingle(x);
        INDArray labels = LayerHarness.randomInput(10, out.shape());
        assertNear(out, flt.outputSingle(x.castTo(DataType.FLOAT)), "output");
        Gradient got = LayerHarness.gradient(flt, x, labels);
        Map<String, INDArray> want = LayerHarness.gradient(dbl, x, labels).gradientForVariable();
        assertTrue(want.containsKey("under-test_" + BlockParams.BIAS), "the bias has a gradient");
        want.forEach((key, g) -> assertNear(g, got.getGradientFor(key), "gradient " + key));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("convs")
    void roundTripsThroughJsonAndModelSerializer(String name, Function<Boolean, Layer> conv, int c, int h, int w,
                                                 int[] shuffles) throws Exception {
        LayerHarness.assertRoundTrips(withRandomBias(conv, c, h, w, shuffles), LayerHarness.randomInput(3, 2, c, h, w));
    }

    private static void assertNear(INDArray expected, INDArray actual, String what) {
        assertEquals(DataType.FLOAT, actual.dataType(), what);
        assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
        double diff = expected.sub(actual.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        double scale = expected.amaxNumber().doubleValue();
        assertTrue(diff <= 1e-5 * (1 + scale), what + " differs by " + diff + " (largest value " + scale + ")");
    }
}
