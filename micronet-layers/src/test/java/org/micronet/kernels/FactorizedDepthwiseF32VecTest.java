package org.micronet.kernels;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.micronet.kernels.FactorizedDepthwiseKernel.Geometry;
import org.micronet.kernels.api.FactorizedDepthwiseF32;
import org.micronet.kernels.simd.FactorizedDepthwiseF32Vec;
import org.micronet.kernels.simd.Lanes;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.micronet.kernels.F32Data.GUARD;
import static org.micronet.kernels.F32Data.abs;
import static org.micronet.kernels.F32Data.assertClose;
import static org.micronet.kernels.F32Data.assertEqualValues;
import static org.micronet.kernels.F32Data.filled;
import static org.micronet.kernels.F32Data.inputWithNanTail;
import static org.micronet.kernels.F32Data.widen;

/**
 * The SIMD Micro-Factorized depthwise conv of folded inference against the double reference: exact on small integers, within float round-off on normal inputs, over widths
 * around the lane count, strides 1 to 3, kernels 3 and 5, multipliers on either conv, a grouped
 * first conv (the stem's), each activation, and the shapes of M0's stem at 224. Outputs start as NaN
 * with a NaN guard after them, inputs carry a NaN tail, and a second call on garbage scratch and
 * outputs must repeat the first exactly.
 */
class FactorizedDepthwiseF32VecTest {
    private static final FactorizedDepthwiseF32 FAST = new FactorizedDepthwiseF32Vec();

    static List<Geometry> geometries() {
        int n = Lanes.N;
        List<Geometry> all = new ArrayList<>();
        for (int w : new int[]{1, n - 1, n, n + 1, 2 * n + 1}) {
            for (int stride : new int[]{1, 2}) {
                all.add(new Geometry(2, 3, 3, 3, 3, 5, w, 3, stride, FusedActivation.NONE));
                all.add(new Geometry(2, 2, 4, 8, 2, 4, w, 5, stride, FusedActivation.RELU6));
                all.add(new Geometry(1, 3, 6, 6, 3, 7, w, 3, stride, FusedActivation.RELU));
            }
        }
        all.add(new Geometry(2, 4, 8, 8, 1, 9, 11, 3, 2, FusedActivation.RELU6));   // a grouped first conv, as in the stem
        all.add(new Geometry(2, 4, 4, 8, 2, 9, 13, 5, 3, FusedActivation.NONE));    // stride 3
        all.add(new Geometry(1, 2, 2, 2, 2, 1, 1, 5, 1, FusedActivation.NONE));     // a 1 x 1 plane: only the centre taps
        all.add(new Geometry(1, 3, 3, 12, 1, 224, 224, 3, 2, FusedActivation.NONE)); // M0's stem at 224
        all.add(new Geometry(1, 12, 24, 24, 12, 56, 56, 3, 1, FusedActivation.RELU6));
        all.add(new Geometry(3, 16, 32, 64, 16, 7, 7, 5, 2, FusedActivation.RELU6));
        all.add(new Geometry(2, 8, 16, 16, 8, 9, 2 * n + 1, 3, 2, FusedActivation.HARDSWISH));
        return all;
    }

    @ParameterizedTest
    @MethodSource("geometries")
    void smallIntegersGiveExactlyTheReference(Geometry g) {
        check(g, true, 21);
    }

    @ParameterizedTest
    @MethodSource("geometries")
    void normalInputsAgreeWithinRoundOff(Geometry g) {
        check(g, false, 22);
    }

    private static void check(Geometry g, boolean exact, long seed) {
        // the record's hashCode takes the enum's identity hash, which changes from run to run
        Random rnd = new Random(seed ^ g.toString().hashCode());
        int xLen = g.n() * g.cin() * g.height() * g.width();
        int yLen = g.n() * g.out() * g.outHeight() * g.outWidth();
        int w0Len = g.mid() * (g.cin() / g.groups()) * g.k(), w1Len = g.out() * g.k();
        float[] x = inputWithNanTail(rnd, xLen, exact, GUARD);
        float[] w0 = inputWithNanTail(rnd, w0Len, exact, GUARD), b0 = inputWithNanTail(rnd, g.mid(), exact, GUARD);
        float[] w1 = inputWithNanTail(rnd, w1Len, exact, GUARD), b1 = inputWithNanTail(rnd, g.out(), exact, GUARD);
        float[][] inputs = {x, w0, b0, w1, b1};
        float[][] before = Arrays.stream(inputs).map(float[]::clone).toArray(float[][]::new);

        double[] y = new double[yLen];
        FactorizedDepthwiseKernel.forward(widen(x, xLen), widen(w0, w0Len), widen(b0, g.mid()), widen(w1, w1Len),
                widen(b1, g.out()), y, g);
        // the round-off bound: the pair without its activation on absolute values
        Geometry unclamped = new Geometry(g.n(), g.cin(), g.mid(), g.out(), g.groups(), g.height(), g.width(), g.k(),
                g.stride(), FusedActivation.NONE);
        double[] yAbs = new double[yLen];
        FactorizedDepthwiseKernel.forward(abs(widen(x, xLen)), abs(widen(w0, w0Len)), abs(widen(b0, g.mid())),
                abs(widen(w1, w1Len)), abs(widen(b1, g.out())), yAbs, unclamped);
        if (g.activation() == FusedActivation.RELU || g.activation() == FusedActivation.RELU6) {
            long low = Arrays.stream(y).filter(v -> v == 0).count();
            long high = Arrays.stream(y).filter(v -> v == 6).count();
            // under a hundred normal outputs may all stay under 6
            assertTrue(low > 0 && low + high < yLen && (high > 0 || g.activation() == FusedActivation.RELU || yLen < 128),
                    "the clamp never bites at one end, or always: a weak case " + g);
        }

        String what = g + (exact ? " exact" : " random, seed " + seed);
        float[] scratch = new float[FAST.scratchLength(g) + GUARD];
        float[] intermediate = new float[FAST.intermediateLength(g) + GUARD];
        float[] first = null;
        for (int call = 0; call < 2; call++) {
            float fill = call == 0 ? Float.NaN : 1e30f;
            Arrays.fill(scratch, fill);
            Arrays.fill(intermediate, fill);
            float[] fy = filled(yLen, fill, GUARD);
            FAST.forward(x, w0, b0, w1, b1, fy, g, intermediate, scratch);
            // hard swish divides by 6, which float and double round differently even on integers
            if (exact && g.activation() != FusedActivation.HARDSWISH) {
                assertEqualValues(y, fy, yLen, what);
            } else {
                assertClose(y, fy, yAbs, yLen, what);
            }
            if (first == null) {
                first = fy;
            } else {
                assertTrue(Arrays.equals(first, fy), "a second call on stale scratch differs: " + what);
            }
        }
        for (int i = 0; i < inputs.length; i++) {
            assertTrue(Arrays.equals(before[i], inputs[i]), "input " + i + " changed: " + what);
        }
    }
}
