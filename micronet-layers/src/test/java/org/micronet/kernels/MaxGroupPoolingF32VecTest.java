package org.micronet.kernels;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.micronet.kernels.api.MaxGroupPoolingF32;
import org.micronet.kernels.simd.Lanes;
import org.micronet.kernels.simd.MaxGroupPoolingF32Vec;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.micronet.kernels.F32Data.assertExact;
import static org.micronet.kernels.F32Data.input;
import static org.micronet.kernels.F32Data.nan;
import static org.micronet.kernels.F32Data.widen;

/**
 * {@link MaxGroupPoolingF32Vec} against {@link MaxGroupPoolingKernel}: maxima and gradient routing
 * are exact, so results must equal the reference in every mode. Exact mode (integers in -4..4)
 * makes ties common, which tests that the first maximum wins; special mode mixes in NaN, infinities
 * and signed zeros.
 */
class MaxGroupPoolingF32VecTest {
    private static final MaxGroupPoolingF32 FAST = new MaxGroupPoolingF32Vec();
    private static final int N = Lanes.N;
    private static final float[] SPECIAL = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, 1f};

    record Case(int n, int co, int size, int hw, String mode) {
        int c() {
            return co * size;
        }

        @Override
        public String toString() {
            return "n=" + n + " c=" + c() + " size=" + size + " hw=" + hw + " " + mode;
        }
    }

    static Stream<Case> cases() {
        List<Case> cases = new ArrayList<>();
        for (int hw : new int[]{1, 2, N - 1, N, N + 1, 2 * N + 1, 49, 196}) {
            for (int size : new int[]{1, 2, 3, 4}) {
                for (int co : new int[]{1, 3, N + 1}) {
                    for (String mode : new String[]{"exact", "random", "special"}) {
                        cases.add(new Case(co == 3 ? 2 : 1, co, size, hw, mode));
                    }
                }
            }
        }
        return cases.stream();
    }

    private static float[] activations(Case k, Random rng) {
        int len = k.n * k.c() * k.hw;
        float[] x = input(rng, len, k.mode.equals("exact"));
        if (k.mode.equals("special")) {
            for (int i = 0; i < len; i++) {
                if (rng.nextInt(3) == 0) {
                    x[i] = SPECIAL[rng.nextInt(SPECIAL.length)];
                }
            }
        }
        return x;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void forwardEqualsReference(Case k) {
        int len = k.n * k.c() * k.hw;
        int outLen = k.n * k.co * k.hw;
        float[] x = activations(k, new Random(k.hashCode()));
        double[] ref = new double[outLen];
        MaxGroupPoolingKernel.forward(widen(x, len), ref, k.n, k.c(), k.size, k.hw);
        float[] y = nan(outLen);
        FAST.forward(x, y, k.n, k.c(), k.size, k.hw);
        assertExact(ref, y, outLen, "y " + k);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void backwardEqualsReference(Case k) {
        Random rng = new Random(k.hashCode());
        int len = k.n * k.c() * k.hw;
        int outLen = k.n * k.co * k.hw;
        float[] x = activations(k, rng);
        float[] dy = input(rng, outLen, k.mode.equals("exact"));
        double[] ref = new double[len];
        MaxGroupPoolingKernel.backward(widen(x, len), widen(dy, outLen), ref, k.n, k.c(), k.size, k.hw);
        float[] dx = nan(len);
        FAST.backward(x, dy, dx, k.n, k.c(), k.size, k.hw);
        assertExact(ref, dx, len, "dx " + k);

        // stale data in the output must not matter
        float[] again = dx.clone();
        java.util.Arrays.fill(again, 0, len, 7f);
        FAST.backward(x, dy, again, k.n, k.c(), k.size, k.hw);
        assertArrayEquals(dx, again, "second call " + k);
    }
}
