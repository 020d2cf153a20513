package org.micronet.layers;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.micronet.blocks.Layers;
import org.micronet.layers.params.GroupedConvParams;
import org.micronet.models.Ops;
import org.micronet.testing.LayerHarness;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * The k x k depthwise conv against finite differences and against DL4J's
 * DepthwiseConvolution2D on the same weights (padding, stride, the c * multiplier + j channel
 * order): outputs, input gradients and weight gradients, in double precision, on batches of 2.
 */
class DepthwiseConvTest {

    private static DepthwiseConv layer(int kh, int kw, int sh, int sw, int cin, int multiplier) {
        return assertInstanceOf(DepthwiseConv.class, Layers.depthwise(Ops.MICRONET, kh, kw, sh, sw, cin, multiplier));
    }

    /** kh, kw, sh, sw, cin, multiplier, h, w: 3x3 and 5x5, strides 1 and 2, multipliers 1 and 2, odd sizes. */
    private static Stream<Arguments> shapes() {
        return Stream.of(
                Arguments.of(3, 3, 1, 1, 2, 1, 7, 5),
                Arguments.of(3, 3, 2, 2, 2, 2, 7, 5),
                Arguments.of(3, 3, 2, 2, 3, 1, 6, 8),
                Arguments.of(5, 5, 1, 1, 2, 2, 5, 7),
                Arguments.of(5, 5, 2, 2, 3, 1, 9, 7),
                Arguments.of(5, 5, 2, 2, 2, 1, 3, 2),
                Arguments.of(3, 5, 2, 1, 2, 2, 6, 5),
                Arguments.of(3, 3, 1, 2, 2, 1, 1, 1));
    }

    @ParameterizedTest(name = "{0}x{1} stride {2}x{3} {4} channels x{5} {6}x{7}")
    @MethodSource("shapes")
    void gradientsMatchFiniteDifferences(int kh, int kw, int sh, int sw, int cin, int multiplier, int h, int w) {
        ComputationGraph net = LayerHarness.graph(layer(kh, kw, sh, sw, cin, multiplier), cin, h, w, 42);
        LayerHarness.assertGradientsMatch(net, LayerHarness.randomInput(7, 2, cin, h, w), 7);
    }

    @ParameterizedTest(name = "{0}x{1} stride {2}x{3} {4} channels x{5} {6}x{7}")
    @MethodSource("shapes")
    void equalsTheDl4jLayerItReplaces(int kh, int kw, int sh, int sw, int cin, int multiplier, int h, int w) {
        org.deeplearning4j.nn.api.Layer ours = LayerHarness.instance(layer(kh, kw, sh, sw, cin, multiplier), cin, h, w);
        org.deeplearning4j.nn.api.Layer theirs = LayerHarness.instance(
                Layers.depthwise(Ops.DL4J, kh, kw, sh, sw, cin, multiplier), cin, h, w);
        INDArray weight = LayerHarness.randomInput(1, (long) cin * multiplier, 1, kh, kw);
        ours.setParam(GroupedConvParams.WEIGHT, weight);
        theirs.setParam("W", toDl4j(weight, cin, multiplier));

        INDArray x = LayerHarness.randomInput(2, 2, cin, h, w);
        LayerHarness.assertMatchesDl4j(ours, theirs, x, GroupedConvParams.WEIGHT, dw -> toDl4j(dw, cin, multiplier));
    }

    /** [cin * m, 1, kh, kw] (out channel c * m + j) as DepthwiseConvolution2D's [kh, kw, cin, m]. */
    private static INDArray toDl4j(INDArray w, int cin, int multiplier) {
        long[] s = w.shape();
        return w.reshape('c', cin, multiplier, s[2], s[3]).permute(2, 3, 0, 1).dup('c');
    }

    @Test
    void roundTripsThroughJsonAndModelSerializer() throws Exception {
        ComputationGraph net = LayerHarness.graph(layer(5, 3, 2, 1, 3, 2), 3, 7, 5, 3);
        // equals compares every field, so a field the JSON mapper drops fails here
        LayerHarness.assertRoundTrips(net, LayerHarness.randomInput(3, 2, 3, 7, 5));
    }
}
