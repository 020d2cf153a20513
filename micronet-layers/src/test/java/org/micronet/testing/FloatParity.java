package org.micronet.testing;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.micronet.kernels.KernelProvider;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A DOUBLE graph (which runs the double references) and its FLOAT copy (which runs the SIMD
 * kernels under Surefire) give the same inference output and the same gradients of every
 * parameter, the layers before the one under test included (their gradients go through its
 * input gradient). This proves the float wiring of a layer; the kernels' own accuracy is
 * tested against the references with tight bounds.
 */
public final class FloatParity {
    private FloatParity() {
    }

    /** Within {@code tol} of each array's largest reference magnitude. */
    public static void assertFloatMatchesDouble(ComputationGraph doubleNet, INDArray input, long seed, double tol) {
        assertTrue(KernelProvider.simd(), "tests run with the SIMD kernels (--add-modules jdk.incubator.vector)");
        ComputationGraph floatNet = doubleNet.convertDataType(DataType.FLOAT);
        INDArray floatInput = input.castTo(DataType.FLOAT);
        assertClose(doubleNet.outputSingle(input), floatNet.outputSingle(floatInput), tol, "inference output");

        INDArray labels = LayerHarness.randomInput(seed, doubleNet.outputSingle(input).shape());
        doubleNet.setInputs(input);
        doubleNet.setLabels(labels);
        doubleNet.computeGradientAndScore();
        floatNet.setInputs(floatInput);
        floatNet.setLabels(labels.castTo(DataType.FLOAT));
        floatNet.computeGradientAndScore();
        assertClose(doubleNet.gradient().gradient(), floatNet.gradient().gradient(), tol, "gradients");
    }

    private static void assertClose(INDArray ref, INDArray fast, double tol, String what) {
        assertArrayEquals(ref.shape(), fast.shape(), what + " shape");
        assertTrue(fast.dataType() == DataType.FLOAT, what + " of the float graph is " + fast.dataType());
        double[] r = ref.dup().data().asDouble();
        double[] f = fast.castTo(DataType.DOUBLE).dup().data().asDouble();
        double scale = 0;
        for (double v : r) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < r.length; i++) {
            if (!(Math.abs(f[i] - r[i]) <= tol * scale)) {
                fail(what + "[" + i + "]: float " + f[i] + ", double " + r[i] + " (largest " + scale + ")");
            }
        }
    }
}
