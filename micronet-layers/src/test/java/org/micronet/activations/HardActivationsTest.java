package org.micronet.activations;

import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.micronet.kernels.KernelProvider;
import org.micronet.testing.LayerHarness;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationReLU6;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HardActivationsTest {
    private static final double[] X = {-5, -3, -1.5, 0, 1.5, 3, 5};

    private static double[] apply(IActivation f) {
        return f.getActivation(Nd4j.createFromArray(X.clone()), false).toDoubleVector();
    }

    @Test
    void hardSigmoidIsRelu6OfXPlus3Over6() {
        assertArrayEquals(new double[]{0, 0, 0.25, 0.5, 0.75, 1, 1}, apply(new HardSigmoid()), 1e-12);
    }

    @Test
    void hardSwishIsXTimesHardSigmoid() {
        assertArrayEquals(new double[]{0, 0, -0.375, 0, 1.125, 3, 5}, apply(new HardSwish()), 1e-12);
    }

    @Test
    void relu6ClipsToZeroAndSix() {
        assertArrayEquals(new double[]{0, 0, 0, 0, 1.5, 3, 5}, apply(new ReLU6()), 1e-12);
        assertArrayEquals(new double[]{0, 6, 6}, new ReLU6().getActivation(Nd4j.createFromArray(-7f, 6f, 9f), false)
                .castTo(DataType.DOUBLE).toDoubleVector(), 0);
        // a configuration holding ND4J's class is not taken for one holding ours, nor the other way round
        assertNotEquals(new ActivationReLU6(), new ReLU6());
        assertNotEquals(new ReLU6(), new ActivationReLU6());
        assertEquals(new ReLU6(), new ReLU6());
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        for (IActivation f : new IActivation[]{new HardSigmoid(), new HardSwish(), new ReLU6()}) {
            ComputationGraph net = LayerHarness.graph(new ActivationLayer.Builder().activation(f).build(), 3, 3, 4, 17);
            // scaled so values land on both sides of -3 and 3
            LayerHarness.assertGradientsMatch(net, LayerHarness.randomInput(12, 2, 3, 3, 4).muli(2.5), 12);
        }
    }

    /** Odd lengths for the vector tails, and one over the kernel's parallel chunk. */
    @ParameterizedTest(name = "{0} values")
    @ValueSource(ints = {1, 7, 37, 1000, 70_001})
    void inFloatTheyTakeTheSimdKernelAndMatchDouble(int n) {
        assertTrue(KernelProvider.simd(), "the tests run with --add-modules jdk.incubator.vector");
        for (IActivation f : new IActivation[]{new HardSwish(), new ReLU6()}) {
            Nd4j.getRandom().setSeed(n);
            // scaled so values land on both sides of -3, 0, 3 and 6
            INDArray x = Nd4j.randn(DataType.DOUBLE, n).muli(4);
            INDArray dy = Nd4j.randn(DataType.DOUBLE, n);
            assertNear(f.getActivation(x.dup(), false), f.getActivation(x.castTo(DataType.FLOAT), false), f + " forward");
            assertNear(f.backprop(x.dup(), dy.dup()).getFirst(),
                    f.backprop(x.castTo(DataType.FLOAT), dy.castTo(DataType.FLOAT)).getFirst(), f + " backward");
        }
    }

    private static void assertNear(INDArray expected, INDArray actual, String what) {
        assertEquals(DataType.FLOAT, actual.dataType(), what);
        double diff = expected.sub(actual.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        double scale = expected.amaxNumber().doubleValue();
        assertTrue(diff <= 1e-6 * scale, what + " differs by " + diff + " (largest value " + scale + ")");
    }

    @Test
    void roundTripsThroughJsonAndModelSerializer() throws Exception {
        for (IActivation f : new IActivation[]{new HardSigmoid(), new HardSwish(), new ReLU6()}) {
            ComputationGraph net = LayerHarness.graph(new ActivationLayer.Builder().activation(f).build(), 2, 2, 2, 17);
            LayerHarness.assertRoundTrips(net, LayerHarness.randomInput(3, 2, 2, 2, 2));
        }
    }
}
