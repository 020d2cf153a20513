package org.micronet.kernels;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.micronet.kernels.api.MomentumStepF32;
import org.micronet.kernels.simd.Lanes;
import org.micronet.kernels.simd.MomentumStepF32Vec;

import java.util.Random;
import java.util.stream.IntStream;

import static org.micronet.kernels.F32Data.assertClose;
import static org.micronet.kernels.F32Data.assertExact;
import static org.micronet.kernels.F32Data.inputWithNanTail;

/**
 * {@link MomentumStepF32Vec} against the step in double, and to the bit against the same
 * arithmetic as separately rounded float operations (ND4J's ops): lengths around the vector
 * width, with NaN after the data that a read past it would carry into the results.
 */
class MomentumStepF32VecTest {
    private static final MomentumStepF32 FAST = new MomentumStepF32Vec();
    private static final int N = Lanes.N;
    private static final float MOMENTUM = 0.9f;
    private static final float LR = 0.0625f;

    static IntStream lengths() {
        return IntStream.of(0, 1, N - 1, N, N + 1, 3 * N + 5, 1023, 40_001);
    }

    @ParameterizedTest
    @MethodSource("lengths")
    void velocityAndStepMatchTheDoubleReference(int n) {
        Random rng = new Random(n);
        float[] v = inputWithNanTail(rng, n, false, F32Data.GUARD);
        float[] g = inputWithNanTail(rng, n, false, F32Data.GUARD);
        double[] refV = new double[n], refG = new double[n], magV = new double[n], magG = new double[n];
        for (int i = 0; i < n; i++) {
            refV[i] = (double) MOMENTUM * v[i] + g[i];
            magV[i] = Math.abs((double) MOMENTUM * v[i]) + Math.abs(g[i]);
            refG[i] = LR * refV[i];
            magG[i] = LR * magV[i];
        }
        FAST.step(v, g, MOMENTUM, LR, n);
        assertClose(refV, v, magV, n, "momentum * v + g");
        assertClose(refG, g, magG, n, "lr * v");
    }

    @ParameterizedTest
    @MethodSource("lengths")
    void roundsAsSeparateFloatOperations(int n) {
        Random rng = new Random(-n);
        float[] v = inputWithNanTail(rng, n, false, F32Data.GUARD);
        float[] g = inputWithNanTail(rng, n, false, F32Data.GUARD);
        double[] refV = new double[n], refG = new double[n];
        for (int i = 0; i < n; i++) {
            float product = v[i] * MOMENTUM;
            refV[i] = product + g[i];
            refG[i] = (float) refV[i] * LR;
        }
        FAST.step(v, g, MOMENTUM, LR, n);
        assertExact(refV, v, n, "momentum * v + g");
        assertExact(refG, g, n, "lr * v");
    }
}
