package org.micronet.kernels;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.micronet.kernels.api.ActivationF32;
import org.micronet.kernels.simd.ActivationF32Vec;
import org.micronet.kernels.simd.Lanes;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.micronet.kernels.F32Data.assertClose;
import static org.micronet.kernels.F32Data.inputWithNanTail;

/**
 * {@link ActivationF32Vec} against {@link FusedActivation}'s double apply and slope: every
 * activation, lengths around the vector width and over the parallel chunk, inputs spread over
 * the kinks (-3, 0, 3, 6) and exactly on them, with NaN after the data that a read past it would
 * carry into the results.
 */
class ActivationF32VecTest {
    private static final ActivationF32 FAST = new ActivationF32Vec();
    private static final int N = Lanes.N;

    static Stream<Arguments> cases() {
        return Arrays.stream(FusedActivation.values()).flatMap(act ->
                IntStream.of(0, 1, N - 1, N, N + 1, 3 * N + 5, 1023, 70_001).mapToObj(n -> Arguments.of(act, n)));
    }

    /** Values over -8..8, every seventh exactly on a kink. */
    private static float[] values(Random rng, int n) {
        float[] x = inputWithNanTail(rng, n, false, F32Data.GUARD);
        float[] kinks = {-3, 0, 3, 6};
        for (int i = 0; i < n; i++) {
            x[i] = i % 7 == 0 ? kinks[i / 7 % 4] : x[i] * 4;
        }
        return x;
    }

    @ParameterizedTest
    @MethodSource("cases")
    void forwardMatchesTheDoubleActivation(FusedActivation act, int n) {
        float[] x = values(new Random(n), n);
        double[] ref = new double[n], magnitude = new double[n];
        for (int i = 0; i < n; i++) {
            ref[i] = act.apply(x[i]);
            magnitude[i] = Math.abs(ref[i]) + Math.abs(x[i]);
        }
        FAST.forward(act, x, n);
        assertClose(ref, x, magnitude, n, act + " forward");
    }

    @ParameterizedTest
    @MethodSource("cases")
    void backwardMatchesTheDoubleSlope(FusedActivation act, int n) {
        Random rng = new Random(-n);
        float[] z = values(rng, n);
        float[] dy = inputWithNanTail(rng, n, false, F32Data.GUARD);
        double[] ref = new double[n], magnitude = new double[n];
        for (int i = 0; i < n; i++) {
            ref[i] = dy[i] * act.slope(z[i]);
            magnitude[i] = Math.abs(ref[i]);
        }
        FAST.backward(act, z, dy, n);
        assertClose(ref, z, magnitude, n, act + " backward");
    }
}
