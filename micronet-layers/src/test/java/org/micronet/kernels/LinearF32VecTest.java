package org.micronet.kernels;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.micronet.kernels.api.LinearF32;
import org.micronet.kernels.simd.LinearF32Vec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;

import static org.micronet.kernels.F32Data.assertClose;
import static org.micronet.kernels.F32Data.inputWithNanTail;

/**
 * The batch-1 dense kernel against a double-precision sum, on widths and output counts around
 * the vector length and the four-column block, M0's and M3's heads, with and without bias. The
 * weight sits in a direct buffer after a NaN prefix the kernel must not read, columns in
 * DL4J's 'f' order; the output starts as NaN with a NaN guard after it.
 */
class LinearF32VecTest {
    private static final LinearF32 KERNEL = new LinearF32Vec();
    private static final int GUARD = 13;

    @ParameterizedTest(name = "{0} -> {1}, bias {2}")
    @CsvSource({"1,1,true", "7,3,false", "8,4,true", "9,5,true", "17,9,false", "31,6,true", "64,7,true",
            "384,640,true", "640,1000,false", "864,1024,true", "1024,1000,true"})
    void matchesTheDoubleSum(int k, int n, boolean withBias) {
        Random rnd = new Random(31L * k + n);
        float[] x = inputWithNanTail(rnd, k, false, GUARD);
        float[] w = inputWithNanTail(rnd, k * n, false, 0);
        float[] bias = withBias ? inputWithNanTail(rnd, n, false, GUARD) : null;
        // the weight starts past a NaN prefix, as a parameter view starts inside the flattened vector
        ByteBuffer all = ByteBuffer.allocateDirect((GUARD + k * n) * Float.BYTES).order(ByteOrder.nativeOrder());
        for (int i = 0; i < GUARD; i++) {
            all.putFloat(Float.NaN);
        }
        for (float v : w) {
            all.putFloat(v);
        }
        ByteBuffer weight = all.position(GUARD * Float.BYTES).slice().order(ByteOrder.nativeOrder());
        double[] expected = new double[n], magnitude = new double[n];
        for (int j = 0; j < n; j++) {
            expected[j] = withBias ? bias[j] : 0;
            magnitude[j] = Math.abs(expected[j]);
            for (int i = 0; i < k; i++) {
                expected[j] += (double) x[i] * w[j * k + i];
                magnitude[j] += Math.abs((double) x[i] * w[j * k + i]);
            }
        }
        float[] y = new float[n + GUARD];
        Arrays.fill(y, Float.NaN);
        KERNEL.forward(x, weight, bias, y, k, n);
        assertClose(expected, y, magnitude, n, k + " -> " + n);
    }
}
