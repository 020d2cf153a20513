package org.micronet.layers;

import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.micronet.kernels.KernelProvider;
import org.micronet.layers.params.GroupAdaptivePointwiseConvParams;
import org.micronet.testing.LayerHarness;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class GroupAdaptivePointwiseConvTest {

    private static GroupAdaptivePointwiseConv layer(int cin, int cout, int groups) {
        return new GroupAdaptivePointwiseConv.Builder().nIn(cin).nOut(cout).groups(groups).build();
    }

    @ParameterizedTest(name = "cin={0} cout={1} groups={2} {3}x{4}")
    @CsvSource({"4,6,2,3,5", "6,6,3,4,4", "8,4,4,3,3", "3,5,1,2,3", "6,12,6,1,2"})
    void gradientsMatchFiniteDifferences(int cin, int cout, int groups, int h, int w) {
        ComputationGraph net = LayerHarness.graph(layer(cin, cout, groups), cin, h, w, 42);
        LayerHarness.assertGradientsMatch(net, LayerHarness.randomInput(7, 2, cin, h, w), 7);
    }

    /** 2x3 planes are packed across the batch by the SIMD kernel, 5x5 ones are not. */
    @ParameterizedTest(name = "{0}x{1}")
    @CsvSource({"2,3", "5,5"})
    void floatGraphTakesTheSimdKernelAndAgreesWithDouble(int h, int w) {
        assertTrue(KernelProvider.simd(), "tests run with the Vector API, so FLOAT layers must take the SIMD kernel");
        ComputationGraph dbl = LayerHarness.graph(layer(12, 8, 4), 12, h, w, 5);
        ComputationGraph flt = dbl.convertDataType(DataType.FLOAT);
        INDArray x = LayerHarness.randomInput(9, 3, 12, h, w);
        INDArray labels = LayerHarness.randomInput(10, 3, 8, h, w);
        assertClose(dbl.feedForward(x, false).get("under-test"),
                flt.feedForward(x.castTo(DataType.FLOAT), false).get("under-test"), "output");
        Gradient got = LayerHarness.gradient(flt, x, labels);
        // the 1x1 convolution before the layer gets its gradient through the layer's input gradient
        LayerHarness.gradient(dbl, x, labels).gradientForVariable().forEach((key, g) ->
                assertClose(g, got.getGradientFor(key), "gradient " + key));
    }

    private static void assertClose(INDArray expected, INDArray actual, String what) {
        assertEquals(DataType.FLOAT, actual.dataType(), what);
        double[] e = expected.dup('c').data().asDouble();
        double[] a = actual.dup('c').data().asDouble();
        assertEquals(e.length, a.length, what);
        double scale = java.util.Arrays.stream(e).map(Math::abs).max().orElse(0);
        for (int i = 0; i < e.length; i++) {
            if (!(Math.abs(e[i] - a[i]) <= 1e-5 * scale + 1e-7)) {
                fail(what + ": element " + i + " is " + a[i] + " in float, " + e[i] + " in double");
            }
        }
    }

    @Test
    void weightIsBlockDiagonal() {
        // 4 -> 4 with 2 groups: output channels 0-1 see only inputs 0-1, 2-3 only 2-3
        ComputationGraph net = LayerHarness.graph(layer(4, 4, 2), 4, 1, 1, 1);
        INDArray w = net.getLayer("under-test").getParam(GroupAdaptivePointwiseConvParams.WEIGHT);
        assertArrayEquals(new long[]{4, 2}, w.shape());
        w.assign(Nd4j.createFromArray(new double[][]{{1, 2}, {3, 4}, {5, 6}, {7, 8}}));
        net.getLayer("pre").setParam("W", Nd4j.eye(4).reshape(4, 4, 1, 1));
        net.getLayer("pre").setParam("b", Nd4j.zeros(1, 4));
        INDArray x = Nd4j.createFromArray(1.0, 10.0, 100.0, 1000.0).reshape(1, 4, 1, 1);
        INDArray y = net.feedForward(x, false).get("under-test");
        assertArrayEquals(new double[]{21, 43, 6500, 8700}, y.reshape(4).toDoubleVector(), 1e-12);
    }

    @Test
    void adaptiveGroupsFollowTheSquareRootLaw() {
        // the paper's Figure 2: C = 18, R = 2 -> G = sqrt(9) = 3
        assertEquals(3, GroupCount.adaptive(1.0, 18, 9, "fig2"));
        assertEquals(4, GroupCount.adaptive(1.0, 16, 64, "m0.block4.pw1"));
        // sqrt(32) = 5.66: among the divisors of 64 and 32, 4 is nearer than 8
        assertEquals(4, GroupCount.adaptive(1.0, 64, 32, "x"));
        assertEquals(8, GroupCount.adaptive(2.0, 64, 32, "x"));
        assertEquals(2, GroupCount.adaptive(0.5, 64, 32, "x"));
        // 7 and 14 share only 1 and 7
        assertEquals(1, GroupCount.adaptive(1.0, 7, 14, "x"));
        GroupAdaptivePointwiseConv built = new GroupAdaptivePointwiseConv.Builder().nIn(16).nOut(64).adaptiveGroups(1.0).build();
        assertEquals(4, built.getGroups());
    }

    @Test
    void groupsThatDoNotDivideAreRejectedNamingTheLayer() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new GroupAdaptivePointwiseConv.Builder().name("features.4.layers.0").nIn(16).nOut(64).groups(3).build());
        assertTrue(e.getMessage().contains("features.4.layers.0"), e.getMessage());
        assertTrue(e.getMessage().contains("3 groups"), e.getMessage());
    }

    @Test
    void roundTripsThroughJsonAndModelSerializer() throws Exception {
        ComputationGraph net = LayerHarness.graph(layer(6, 4, 2), 6, 3, 3, 3);
        LayerHarness.assertRoundTrips(net, LayerHarness.randomInput(3, 2, 6, 3, 3));
    }
}
