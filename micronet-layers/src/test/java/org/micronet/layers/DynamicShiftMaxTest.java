package org.micronet.layers;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.micronet.kernels.ChannelPermutation;
import org.micronet.kernels.KernelProvider;
import org.micronet.layers.params.DynamicShiftMaxParams;
import org.micronet.testing.LayerHarness;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DynamicShiftMaxTest {

    private static DynamicShiftMax layer(int c, int g, int s, int j, int k, boolean dynamic) {
        double[] a = new double[k];
        double[] b = new double[k];
        Arrays.fill(a, 1.0);
        b[0] = 0.5;
        return new DynamicShiftMax.Builder().channels(c).shiftGroups(g).squeeze(s).shifts(j).fusions(k)
                .dynamic(dynamic).actMax(2.0).offsets(a, b).build();
    }

    @ParameterizedTest(name = "C={0} g={1} s={2} J={3} K={4} dynamic={5} {6}x{7}")
    @CsvSource({
            "8,2,4,2,2,true,3,3",    // the reference's default (J=2, K=2)
            "6,3,4,2,1,true,2,3",    // K=1, as in the y3 position
            "12,4,4,3,3,true,3,1",   // the largest of Table 6
            "8,4,4,1,2,true,2,2",    // dynamic ReLU (J=1)
            "9,3,4,3,2,true,1,3",    // odd sizes
            "8,2,0,2,2,false,3,3",   // static Shift-Max
            "6,2,4,1,1,true,2,2"})   // SE-like (J=1, K=1)
    void gradientsMatchFiniteDifferences(int c, int g, int s, int j, int k, boolean dynamic, int h, int w) {
        ComputationGraph net = LayerHarness.graph(layer(c, g, s, j, k, dynamic), c, h, w, 21);
        if (!dynamic) {
            // start away from the offsets so every coefficient takes part
            net.getLayer("under-test").getParam(DynamicShiftMaxParams.COEF).assign(LayerHarness.randomInput(9, c * j * k));
        }
        LayerHarness.assertGradientsMatch(net, LayerHarness.randomInput(8, 2, c, h, w), 8);
    }

    @ParameterizedTest(name = "C={0} g={1} s={2} J={3} K={4} dynamic={5} {6}x{7}")
    @CsvSource({
            "8,2,4,2,2,true,4,4",
            "12,4,4,2,1,true,3,5",
            "12,4,4,3,3,true,1,1",
            "8,2,0,2,2,false,5,7"})
    void floatLayersRunTheFloatKernelAndAgreeWithDouble(int c, int g, int s, int j, int k, boolean dynamic, int h, int w) {
        assertTrue(KernelProvider.simd(), "surefire starts the JVM with the Vector API module");
        ComputationGraph floats = LayerHarness.graph(layer(c, g, s, j, k, dynamic), c, h, w, 21).convertDataType(DataType.FLOAT);
        ComputationGraph doubles = floats.convertDataType(DataType.DOUBLE);
        if (!dynamic) {
            INDArray coef = LayerHarness.randomInput(9, c * j * k).castTo(DataType.FLOAT);
            floats.getLayer("under-test").getParam(DynamicShiftMaxParams.COEF).assign(coef);
            doubles.getLayer("under-test").getParam(DynamicShiftMaxParams.COEF).assign(coef.castTo(DataType.DOUBLE));
        }
        INDArray x = LayerHarness.randomInput(8, 3, c, h, w).castTo(DataType.FLOAT);
        INDArray labels = LayerHarness.randomInput(7, 3, c, h, w).castTo(DataType.FLOAT);
        assertClose(doubles.outputSingle(x.castTo(DataType.DOUBLE)), floats.outputSingle(x), "output");
        Map<String, INDArray> expected = gradients(doubles, x.castTo(DataType.DOUBLE), labels.castTo(DataType.DOUBLE));
        Map<String, INDArray> actual = gradients(floats, x, labels);
        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((name, grad) -> assertClose(grad, actual.get(name), name));

        // without a training forward pass first, the backward pass recomputes the coefficients
        Layer dsm = floats.getLayer("under-test");
        INDArray in = floats.feedForward(x, false).get("pre");
        INDArray eps = LayerHarness.randomInput(6, 3, c, h, w).castTo(DataType.FLOAT);
        dsm.activate(in, true, LayerWorkspaceMgr.noWorkspaces());
        INDArray afterTraining = dsm.backpropGradient(eps, LayerWorkspaceMgr.noWorkspaces()).getSecond().dup();
        dsm.activate(in, false, LayerWorkspaceMgr.noWorkspaces());
        assertEquals(afterTraining, dsm.backpropGradient(eps, LayerWorkspaceMgr.noWorkspaces()).getSecond());
    }

    private static Map<String, INDArray> gradients(ComputationGraph net, INDArray x, INDArray labels) {
        net.setInputs(x);
        net.setLabels(labels);
        net.computeGradientAndScore();
        Map<String, INDArray> out = new TreeMap<>();
        net.gradient().gradientForVariable().forEach((name, grad) -> out.put(name, grad.dup()));
        return out;
    }

    /** Within float rounding of the largest value; a flat 1e-4 would hide nothing the kernel tests show. */
    private static void assertClose(INDArray expected, INDArray actual, String what) {
        double scale = expected.amaxNumber().doubleValue();
        double diff = expected.sub(actual.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        assertTrue(diff <= 1e-5 * scale + 1e-7, what + ": max difference " + diff + " at scale " + scale);
    }

    @Test
    void shiftRollsOneGroupAndOneChannelAsTheReference() {
        // reference trace, M0 features.1.layers.5: g=2 gc=4 idx[:6]=[5, 6, 7, 4, 1, 2]
        assertArrayEquals(new int[]{5, 6, 7, 4, 1, 2, 3, 0}, ChannelPermutation.groupShift(8, 2));
        // M0 features.2.layers.5: g=4 gc=3 idx[:6]=[4, 5, 3, 7, 8, 6]
        assertArrayEquals(new int[]{4, 5, 3, 7, 8, 6}, Arrays.copyOf(ChannelPermutation.groupShift(12, 4), 6));
    }

    @Test
    void staticFusionIsTheMaximumOfTwoShiftedSums() {
        // static, zero learned coefficients: y = max(1*x + 0.5*x2, 1*x + 0*x2)
        ComputationGraph net = LayerHarness.graph(layer(4, 2, 0, 2, 2, false), 4, 1, 2, 1);
        Layer dsm = net.getLayer("under-test");
        INDArray x = LayerHarness.randomInput(3, 1, 4, 1, 2);
        INDArray y = dsm.activate(x, false, LayerWorkspaceMgr.noWorkspaces());
        int[] shift = ChannelPermutation.groupShift(4, 2);
        for (int c = 0; c < 4; c++) {
            for (int p = 0; p < 2; p++) {
                double xv = x.getDouble(0, c, 0, p);
                double x2 = x.getDouble(0, shift[c], 0, p);
                assertEquals(Math.max(xv + 0.5 * x2, xv), y.getDouble(0, c, 0, p), 1e-12);
            }
        }
    }

    @Test
    void dynamicCoefficientsComeFromTheHyperFunction() {
        // K=1, J=2: y = a*x + b*x2 with a, b = (hsigmoid(FC2(relu(FC1(mean x)))) - 0.5) * 2 * actMax + offsets
        ComputationGraph net = LayerHarness.graph(layer(4, 2, 3, 2, 1, true), 4, 2, 2, 5);
        Layer dsm = net.getLayer("under-test");
        INDArray x = LayerHarness.randomInput(4, 1, 4, 2, 2);
        INDArray y = dsm.activate(x, false, LayerWorkspaceMgr.noWorkspaces());
        INDArray pooled = x.mean(2, 3);
        INDArray hidden = org.nd4j.linalg.ops.transforms.Transforms.relu(
                pooled.mmul(dsm.getParam("W1")).addRowVector(dsm.getParam("b1")));
        INDArray z = hidden.mmul(dsm.getParam("W2")).addRowVector(dsm.getParam("b2"));
        int[] shift = ChannelPermutation.groupShift(4, 2);
        for (int c = 0; c < 4; c++) {
            double a = (Math.min(6, Math.max(0, z.getDouble(0, c) + 3)) / 6 - 0.5) * 4 + 1.0;
            double b = (Math.min(6, Math.max(0, z.getDouble(0, 4 + c) + 3)) / 6 - 0.5) * 4 + 0.5;
            for (int p = 0; p < 4; p++) {
                int h = p / 2, w = p % 2;
                double expected = a * x.getDouble(0, c, h, w) + b * x.getDouble(0, shift[c], h, w);
                assertEquals(expected, y.getDouble(0, c, h, w), 1e-12);
            }
        }
    }

    @Test
    void parameterCountMatchesTheReferenceHyperFunction() {
        // M0 features.2.layers.1: C=32, s=4, J=2, K=2 -> 132 + 640 parameters
        ComputationGraph net = LayerHarness.graph(layer(32, 8, 4, 2, 2, true), 32, 1, 1, 1);
        assertEquals(132 + 640, net.getLayer("under-test").numParams());
    }

    @Test
    void badSettingsAreRejectedNamingTheLayer() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DynamicShiftMax.Builder()
                .name("features.3.layers.1").channels(12).shiftGroups(5).squeeze(4).build());
        assertTrue(e.getMessage().contains("features.3.layers.1") && e.getMessage().contains("5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new DynamicShiftMax.Builder()
                .channels(8).shiftGroups(2).squeeze(4).fusions(3).build());
        assertTrue(e.getMessage().contains("K = 3"), e.getMessage());
    }

    @Test
    void roundTripsThroughJsonAndModelSerializer() throws Exception {
        ComputationGraph net = LayerHarness.graph(layer(6, 3, 4, 2, 2, true), 6, 2, 2, 9);
        LayerHarness.assertRoundTrips(net, LayerHarness.randomInput(5, 2, 6, 2, 2));
        ComputationGraph staticNet = LayerHarness.graph(layer(6, 3, 0, 2, 2, false), 6, 2, 2, 9);
        LayerHarness.assertRoundTrips(staticNet, LayerHarness.randomInput(5, 2, 6, 2, 2));
    }
}
