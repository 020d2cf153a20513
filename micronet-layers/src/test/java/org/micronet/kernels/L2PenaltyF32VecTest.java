package org.micronet.kernels;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.micronet.kernels.api.L2PenaltyF32;
import org.micronet.kernels.simd.L2PenaltyF32Vec;
import org.micronet.kernels.simd.Lanes;

import java.util.Random;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.micronet.kernels.F32Data.assertClose;
import static org.micronet.kernels.F32Data.inputWithNanTail;
import static org.micronet.kernels.F32Data.widen;

/**
 * {@link L2PenaltyF32Vec} against the penalty in double, DL4J's L2 arithmetic: lengths around the
 * vector width and the kernel's summation block, with NaN after the data that a read past it
 * would carry into the results.
 */
class L2PenaltyF32VecTest {
    private static final L2PenaltyF32 FAST = new L2PenaltyF32Vec();
    private static final int N = Lanes.N;

    static IntStream lengths() {
        return IntStream.of(0, 1, N - 1, N, N + 1, 3 * N + 5, 1023, 1024, 1025, 3 * 1024 + N + 3, 40_000);
    }

    @ParameterizedTest
    @MethodSource("lengths")
    void gradientGainsTheCoefficientTimesTheWeights(int n) {
        Random rng = new Random(n);
        float[] w = inputWithNanTail(rng, n, false, F32Data.GUARD);
        float[] g = inputWithNanTail(rng, n, false, F32Data.GUARD);
        float c = 0.37f;
        double[] ref = new double[n];
        double[] magnitude = new double[n];
        for (int i = 0; i < n; i++) {
            ref[i] = g[i] + (double) c * w[i];
            magnitude[i] = Math.abs(g[i]) + Math.abs((double) c * w[i]);
        }
        FAST.addGradient(w, g, c, n);
        assertClose(ref, g, magnitude, n, "g + c * w");
    }

    @ParameterizedTest
    @MethodSource("lengths")
    void sumOfSquaresMatchesTheDoubleSum(int n) {
        Random rng = new Random(-n);
        float[] w = inputWithNanTail(rng, n, false, F32Data.GUARD);
        double ref = 0;
        for (double v : widen(w, n)) {
            ref += v * v;
        }
        assertEquals(ref, FAST.sumOfSquares(w, n), 1e-6 * ref + 1e-12, "sum of squares of " + n);
    }
}
