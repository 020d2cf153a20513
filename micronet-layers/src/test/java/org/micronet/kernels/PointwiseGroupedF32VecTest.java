package org.micronet.kernels;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.micronet.kernels.api.PointwiseGroupedF32;
import org.micronet.kernels.simd.Lanes;
import org.micronet.kernels.simd.PointwiseGroupedF32Vec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.micronet.kernels.F32Data.abs;
import static org.micronet.kernels.F32Data.assertClose;
import static org.micronet.kernels.F32Data.assertExact;
import static org.micronet.kernels.F32Data.assertGuardIntact;
import static org.micronet.kernels.F32Data.inputWithNanTail;
import static org.micronet.kernels.F32Data.widen;

/**
 * The SIMD grouped pointwise convolution against {@link GroupedPointwiseKernel}: exactly on
 * small integers, within float rounding on normal values; outputs start as NaN with a NaN guard
 * tail, inputs and scratch carry NaN beyond their shape, and a second call over the first
 * call's scratch gives the same result. With a bias and an activation (a folded inference
 * layer), the reference's output plus the bias through the activation.
 */
class PointwiseGroupedF32VecTest {
    private static final int N = Lanes.N;
    private static final int GUARD = 2 * N + 3;
    private static final PointwiseGroupedF32 KERNEL = new PointwiseGroupedF32Vec();

    record Shape(int n, int cin, int cout, int groups, int hw) {
        int cig() {
            return cin / groups;
        }

        @Override
        public String toString() {
            return "n=" + n + " " + cin + "->" + cout + " g=" + groups + " hw=" + hw;
        }
    }

    static List<Shape> shapes() {
        List<Shape> s = new ArrayList<>();
        // plane lengths around the lane count (packed below N, overlapping last vector above)
        for (int hw : new int[]{1, 2, N - 1, N, N + 1, 2 * N - 1, 2 * N + 1, 3 * N + 5}) {
            s.add(new Shape(3, 6, 9, 3, hw));
            s.add(new Shape(1, 5, 7, 1, hw));
        }
        // channels per group below / at / above the lane count and the 4-row block
        for (int cpg : new int[]{1, 3, 4, 5, N - 1, N, N + 1}) {
            s.add(new Shape(2, 2 * cpg, 2 * (cpg + 2), 2, 7));
            s.add(new Shape(5, 2 * (cpg + 1), 2 * cpg, 2, N + 3));
        }
        s.add(new Shape(7, 12, 12, 4, 3));
        s.add(new Shape(4, 8, 24, 8, 2 * N));
        // MicroNet-M0's pointwise layers: 32x32 input at batch 128 (planes 8x8 .. 1x1), 224x224 at batch 1
        int[][] m0 = {{16, 8, 2}, {32, 12, 4}, {48, 16, 4}, {16, 64, 4}, {64, 32, 4}, {32, 128, 8},
                {128, 64, 8}, {64, 256, 8}, {256, 96, 8}, {96, 384, 12}};
        int[] hw32 = {64, 16, 4, 4, 4, 4, 1, 1, 1, 1};
        int[] hw224 = {3136, 784, 196, 196, 196, 196, 49, 49, 49, 49};
        for (int i = 0; i < m0.length; i++) {
            s.add(new Shape(128, m0[i][0], m0[i][1], m0[i][2], hw32[i]));
            s.add(new Shape(1, m0[i][0], m0[i][1], m0[i][2], hw224[i]));
        }
        return s;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void smallIntegersGiveTheReferenceExactly(Shape s) {
        Case c = new Case(s, new Random(s.toString().hashCode()), true);
        assertExact(c.y, c.fastForward(), c.y.length, s + " forward");
        float[][] back = c.fastBackward();
        assertExact(c.dx, back[0], c.dx.length, s + " dx");
        assertExact(c.dw, back[1], c.dw.length, s + " dw");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void normalValuesMatchWithinFloatRounding(Shape s) {
        long seed = 31L * s.toString().hashCode() + 7;
        Case c = new Case(s, new Random(seed), false);
        String what = s + " seed " + seed;
        assertClose(c.y, c.fastForward(), c.yAbs, c.y.length, what + " forward");
        float[][] back = c.fastBackward();
        assertClose(c.dx, back[0], c.dxAbs, c.dx.length, what + " dx");
        assertClose(c.dw, back[1], c.dwAbs, c.dw.length, what + " dw");
    }

    static List<Object[]> shapesAndActivations() {
        List<Object[]> cases = new ArrayList<>();
        for (Shape s : shapes()) {
            for (FusedActivation act : new FusedActivation[]{FusedActivation.NONE, FusedActivation.RELU6,
                    FusedActivation.HARDSWISH}) {
                cases.add(new Object[]{s, act});
            }
        }
        return cases;
    }

    /** The folded inference layer's forward: the reference conv, plus the bias, through the activation. */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("shapesAndActivations")
    void biasAndActivationFollowTheConv(Shape s, FusedActivation act) {
        long seed = 17L * s.toString().hashCode() + act.ordinal();
        Case c = new Case(s, new Random(seed), false);
        Random rnd = new Random(seed + 1);
        float[] bias = inputWithNanTail(rnd, s.cout, false, GUARD);
        double[] expected = new double[c.y.length], magnitude = new double[c.y.length];
        for (int i = 0; i < expected.length; i++) {
            int channel = i / s.hw % s.cout;
            expected[i] = act.apply(c.y[i] + bias[channel]);
            // slopes stay within 1.5 (hard swish at 3)
            magnitude[i] = 1.5 * (c.yAbs[i] + Math.abs(bias[channel]));
        }
        float[] out = new float[c.y.length + GUARD];
        Arrays.fill(out, Float.NaN);
        KERNEL.forward(c.x, c.w, bias, act, out, c.scratch, s.n, s.cin, s.cout, s.groups, s.hw);
        assertClose(expected, out, magnitude, c.y.length, s + " " + act + " seed " + seed);
    }

    /** One shape's inputs (each followed by a NaN guard), the reference results and the fast kernel's outputs. */
    private static final class Case {
        final Shape s;
        final float[] x, w, dy;
        final double[] y, dx, dw;
        double[] yAbs, dxAbs, dwAbs;
        final float[] yOut, dxOut, dwOut, scratch;
        private final float[] x0, w0, dy0;

        Case(Shape s, Random rnd, boolean exact) {
            this.s = s;
            int xl = s.n * s.cin * s.hw, yl = s.n * s.cout * s.hw, wl = s.cout * s.cig();
            x = inputWithNanTail(rnd, xl, exact, GUARD);
            w = inputWithNanTail(rnd, wl, exact, GUARD);
            dy = inputWithNanTail(rnd, yl, exact, GUARD);
            x0 = x.clone();
            w0 = w.clone();
            dy0 = dy.clone();
            double[] xd = widen(x, xl), wd = widen(w, wl), dyd = widen(dy, yl);
            y = new double[yl];
            dx = new double[xl];
            dw = new double[wl];
            GroupedPointwiseKernel.forward(xd, wd, y, s.n, s.cin, s.cout, s.groups, s.hw);
            GroupedPointwiseKernel.backward(xd, wd, dyd, dx, dw, s.n, s.cin, s.cout, s.groups, s.hw);
            if (exact) {
                assertMostlyNonZero(y, "forward");
                assertMostlyNonZero(dx, "dx");
                assertMostlyNonZero(dw, "dw");
            } else {
                double[] xa = abs(xd), wa = abs(wd), dya = abs(dyd);
                yAbs = new double[yl];
                dxAbs = new double[xl];
                dwAbs = new double[wl];
                GroupedPointwiseKernel.forward(xa, wa, yAbs, s.n, s.cin, s.cout, s.groups, s.hw);
                GroupedPointwiseKernel.backward(xa, wa, dya, dxAbs, dwAbs, s.n, s.cin, s.cout, s.groups, s.hw);
            }
            yOut = new float[yl + GUARD];
            dxOut = new float[xl + GUARD];
            dwOut = new float[wl + GUARD];
            scratch = new float[KERNEL.scratchFloats(s.n, s.cin, s.cout, s.groups, s.hw) + GUARD];
        }

        /** The forward result, twice: the second call runs over the first call's scratch. */
        float[] fastForward() {
            Arrays.fill(scratch, Float.NaN);
            float[] first = null;
            for (int call = 0; call < 2; call++) {
                Arrays.fill(yOut, Float.NaN);
                KERNEL.forward(x, w, yOut, scratch, s.n, s.cin, s.cout, s.groups, s.hw);
                first = twiceSame(first, yOut, y.length, "forward");
            }
            assertInputsUnchanged();
            return first;
        }

        /** dx and dw, twice as {@link #fastForward}. */
        float[][] fastBackward() {
            Arrays.fill(scratch, Float.NaN);
            float[] dxFirst = null, dwFirst = null;
            for (int call = 0; call < 2; call++) {
                Arrays.fill(dxOut, Float.NaN);
                Arrays.fill(dwOut, Float.NaN);
                KERNEL.backward(x, w, dy, dxOut, dwOut, scratch, s.n, s.cin, s.cout, s.groups, s.hw);
                dxFirst = twiceSame(dxFirst, dxOut, dx.length, "dx");
                dwFirst = twiceSame(dwFirst, dwOut, dw.length, "dw");
            }
            assertInputsUnchanged();
            return new float[][]{dxFirst, dwFirst};
        }

        private float[] twiceSame(float[] first, float[] out, int len, String what) {
            assertGuardIntact(out, len, s + " " + what);
            float[] got = Arrays.copyOf(out, len);
            if (first != null) {
                assertArrayEquals(first, got, s + " " + what + ": second call over used scratch differs");
            }
            return got;
        }

        private void assertInputsUnchanged() {
            assertArrayEquals(x0, x, s + " x changed");
            assertArrayEquals(w0, w, s + " w changed");
            assertArrayEquals(dy0, dy, s + " dy changed");
        }

        private void assertMostlyNonZero(double[] ref, String what) {
            long zeros = Arrays.stream(ref).filter(v -> v == 0).count();
            assertTrue(zeros * 2 < ref.length, s + " " + what + ": reference mostly zeros, the case proves little");
        }
    }
}
