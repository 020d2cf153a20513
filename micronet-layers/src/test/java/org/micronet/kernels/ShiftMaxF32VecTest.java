package org.micronet.kernels;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.micronet.kernels.api.ShiftMaxF32;
import org.micronet.kernels.simd.Lanes;
import org.micronet.kernels.simd.ShiftMaxF32Vec;
import org.micronet.layers.DynamicShiftMax;
import org.micronet.models.ModelConfig;
import org.micronet.models.Models;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.DoubleSupplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.micronet.kernels.F32Data.abs;
import static org.micronet.kernels.F32Data.assertClose;
import static org.micronet.kernels.F32Data.assertEqualValues;
import static org.micronet.kernels.F32Data.assertGuardIntact;
import static org.micronet.kernels.F32Data.filled;
import static org.micronet.kernels.F32Data.widen;

/**
 * The float kernel against {@link ShiftMaxKernel}: equal on small-integer data (every sum and
 * coefficient exact in float), within float rounding of the sums of absolute terms on normal data.
 */
class ShiftMaxF32VecTest {
    private static final ShiftMaxF32 FAST = new ShiftMaxF32Vec();
    private static final int N = Lanes.N;
    private static final int GUARD = 7;

    /** One layer setting on one shape; offsets 1 for the unshifted copy, quarters for the others. */
    record Case(int c, int groups, int squeeze, int shifts, int fusions, boolean dynamic, int n, int hw) {
        @Override
        public String toString() {
            return "C=" + c + " g=" + groups + " s=" + squeeze + " J=" + shifts + " K=" + fusions
                    + (dynamic ? "" : " static") + " n=" + n + " hw=" + hw;
        }

        double[] offsets() {
            double[] off = new double[shifts * fusions];
            for (int i = 0; i < off.length; i++) {
                off[i] = i % shifts == 0 ? 1.0 : 0.5 - 0.25 * (i % 3);
            }
            return off;
        }
    }

    static List<Case> cases() {
        int[][] settings = {
                {8, 2, 4, 2, 2, 1}, {16, 4, 8, 2, 1, 1}, {17, 1, 4, 2, 2, 1}, {33, 3, 5, 3, 3, 1},
                {12, 4, 4, 1, 2, 1}, {6, 2, 4, 1, 1, 1}, {15, 5, 3, 3, 2, 1}, {8, 2, 0, 2, 2, 0},
                {10, 5, 0, 3, 1, 0},
                // shifted copies that read the unshifted plane itself (C=1; C=2 shifted twice)
                {1, 1, 4, 2, 2, 1}, {2, 2, 4, 3, 2, 1}};
        int[] planes = {1, 4, 9, N - 1, N, N + 1, 2 * N + 1, 64, 256};
        List<Case> cases = new ArrayList<>();
        for (int[] s : settings) {
            for (int hw : planes) {
                cases.add(new Case(s[0], s[1], s[2], s[3], s[4], s[5] == 1, 3, hw));
            }
        }
        cases.addAll(microNetShapes("m0"));
        return cases;
    }

    /** Every distinct Shift-Max layer of the model at 32x32 and 224x224 input, batch 2. */
    static List<Case> microNetShapes(String model) {
        Set<Case> shapes = new LinkedHashSet<>();
        for (int size : new int[]{32, 224}) {
            ModelConfig cfg = Models.bundled(model).withTask(size, 10);
            ComputationGraphConfiguration conf = Models.graph(cfg, Models.defaults(0));
            Map<String, InputType> outputs = conf.getLayerActivationTypes(true, Models.inputType(cfg));
            conf.getVertices().forEach((name, v) -> {
                if (v instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof DynamicShiftMax d) {
                    InputType.InputTypeConvolutional in = (InputType.InputTypeConvolutional)
                            outputs.get(conf.getVertexInputs().get(name).get(0));
                    shapes.add(new Case(d.getChannels(), d.getShiftGroups(), d.getSqueeze(), d.getShifts(),
                            d.getFusions(), d.isDynamic(), 2, (int) (in.getHeight() * in.getWidth())));
                }
            });
        }
        return new ArrayList<>(shapes);
    }

    /** Dynamic cases need hw a power of two for the pooled means (and dx's share of them) to be exact. */
    static List<Case> exactCases() {
        return cases().stream().filter(k -> !k.dynamic() || Integer.bitCount(k.hw()) == 1).toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("exactCases")
    void equalsTheReferenceOnSmallIntegers(Case k) {
        long seed = 1000L + k.hashCode();
        Random r = new Random(seed);
        // no zeros: at one pixel a plane, a zero would zero whole coefficient gradients
        DoubleSupplier nonZero = () -> (r.nextInt(2) * 2 - 1) * (1 + r.nextInt(3));
        Data d = new Data(k, nonZero, nonZero);
        // w2 and b2 in multiples of 1.5/64 and 0.75 keep z + 3 a multiple of 1.5 * 2^-k: the hard
        // sigmoid's /6 is exact, and actMax 3 makes the coefficients and their slope exact too;
        // the scales keep most z inside (-3, 3), where gradients flow, with some at and beyond ±3
        d.params = k.dynamic()
                ? new float[][]{ints(r, k.c() * k.squeeze(), 2, 0.125f), plus(2, ints(r, k.squeeze(), 1, 1)),
                ints(r, k.squeeze() * q(k), 2, 1.5f / 64), ints(r, q(k), 4, 0.75f)}
                : new float[][]{ints(r, q(k), 4, 0.5f)};
        Outputs ref = reference(k, d, 3.0);
        FastOutputs fast = fast(k, d, 3.0, seed);
        String msg = k + " seed " + seed;
        assertMostlyNonZero(ref.y, 0.5, msg + " y");
        assertMostlyNonZero(ref.dx, 0.5, msg + " dx");
        assertEqualValues(ref.y, fast.y, ref.y.length, msg + " y");
        assertEqualValues(ref.dx, fast.dx, ref.dx.length, msg + " dx");
        for (int i = 0; i < ref.grads.length; i++) {
            // a pixel's gradient reaches one fusion's coefficients only: at one pixel a plane and
            // K = 3, two thirds of an image's coefficient gradients are 0
            assertMostlyNonZero(ref.grads[i], 0.75, msg + " grad " + i);
            assertEqualValues(ref.grads[i], fast.grads[i], ref.grads[i].length, msg + " grad " + i);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesTheReferenceWithinFloatRounding(Case k) {
        long seed = 2000L + k.hashCode();
        Random r = new Random(seed);
        Data d = new Data(k, r::nextGaussian, r::nextGaussian);
        d.params = k.dynamic()
                ? new float[][]{gauss(r, k.c() * k.squeeze(), 0.5), gauss(r, k.squeeze(), 0.1),
                gauss(r, k.squeeze() * q(k), 0.5), gauss(r, q(k), 1.0)}
                : new float[][]{gauss(r, q(k), 0.5)};
        Outputs ref = reference(k, d, 2.0);
        FastOutputs fast = fast(k, d, 2.0, seed);
        Outputs mag = magnitudes(k, d, 2.0);
        String msg = k + " seed " + seed;
        assertClose(ref.y, fast.y, mag.y, ref.y.length, msg + " y");
        assertClose(ref.dx, fast.dx, mag.dx, ref.dx.length, msg + " dx");
        for (int i = 0; i < ref.grads.length; i++) {
            assertClose(ref.grads[i], fast.grads[i], mag.grads[i], ref.grads[i].length, msg + " grad " + i);
        }
    }

    /**
     * A step may allocate its forEach lambdas (about 250 bytes; a little more seen on a loaded
     * machine); one boxed vector per 16 values of these planes would be kilobytes.
     */
    private static final long LIMIT = 1024;

    /** Vector API code that fails to inline or to keep vectors in registers allocates per vector. */
    @Test
    void allocatesNoVectorsInTheSteadyState() {
        com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        // one image and s = 4 keep Parallel on this thread, the one whose allocations the bean counts
        for (Case k : List.of(new Case(32, 4, 4, 2, 2, true, 1, 64), new Case(32, 4, 4, 2, 1, true, 1, 64),
                new Case(33, 3, 4, 3, 3, true, 1, 2 * N + 1), new Case(32, 4, 0, 2, 2, false, 1, 64))) {
            Random r = new Random(5);
            Data d = new Data(k, r::nextGaussian, r::nextGaussian);
            d.params = k.dynamic()
                    ? new float[][]{gauss(r, k.c() * 4, 0.5), gauss(r, 4, 0.1), gauss(r, 4 * q(k), 0.5), gauss(r, q(k), 1)}
                    : new float[][]{gauss(r, q(k), 0.5)};
            ShiftMaxF32.Config cfg = config(k, 2.0);
            float[] state = new float[cfg.stateLength(1)], work = new float[FAST.workLength(cfg, 1, k.hw())];
            float[] y = new float[k.c() * k.hw()], dx = new float[y.length];
            float[][] grads = Arrays.stream(d.params).map(p -> new float[p.length]).toArray(float[][]::new);
            Runnable step = () -> {
                FAST.coefficients(cfg, 1, k.hw(), d.x, d.params, state, work);
                FAST.fuse(cfg, 1, k.hw(), d.x, state, work, y);
                FAST.backward(cfg, 1, k.hw(), d.x, d.dy, d.params, state, work, dx, grads);
            };
            // C2 takes its time on a busy machine: warm up until a window is clean, or give up
            long perStep = Long.MAX_VALUE;
            for (int window = 0; window < 40 && perStep >= LIMIT; window++) {
                for (int i = 0; i < 5_000; i++) {
                    step.run();
                }
                long before = bean.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 100; i++) {
                    step.run();
                }
                perStep = (bean.getCurrentThreadAllocatedBytes() - before) / 100;
            }
            assertTrue(perStep < LIMIT, k + ": " + perStep + " bytes per step");
        }
    }

    // ---- data, runs and checks

    private static int q(Case k) {
        return k.c() * k.shifts() * k.fusions();
    }

    /** Inputs as floats; the reference gets them widened. */
    private static final class Data {
        final float[] x;
        final float[] dy;
        float[][] params;

        Data(Case k, DoubleSupplier xs, DoubleSupplier dys) {
            int len = k.n() * k.c() * k.hw();
            x = new float[len];
            dy = new float[len];
            for (int i = 0; i < len; i++) {
                x[i] = (float) xs.getAsDouble();
                dy[i] = (float) dys.getAsDouble();
            }
        }
    }

    private record Outputs(double[] y, double[] dx, double[][] grads) {
    }

    /** The float kernel's outputs, each followed by its NaN guard. */
    private record FastOutputs(float[] y, float[] dx, float[][] grads) {
    }

    private static ShiftMaxKernel referenceKernel(Case k, double actMax) {
        return new ShiftMaxKernel(k.c(), k.groups(), k.squeeze(), k.shifts(), k.fusions(), k.dynamic(), actMax,
                k.offsets());
    }

    private static ShiftMaxF32.Config config(Case k, double actMax) {
        return ShiftMaxF32.Config.of(k.c(), k.groups(), k.squeeze(), k.shifts(), k.fusions(), k.dynamic(), actMax,
                k.offsets());
    }

    private static Outputs reference(Case k, Data d, double actMax) {
        ShiftMaxKernel ref = referenceKernel(k, actMax);
        double[] x = widen(d.x);
        double[][] params = Arrays.stream(d.params).map(F32Data::widen).toArray(double[][]::new);
        ShiftMaxKernel.State st = ref.coefficients(x, k.n(), k.hw(), params);
        double[] y = new double[x.length];
        ref.fuse(x, st, y, k.n(), k.hw());
        double[] dx = new double[x.length];
        double[][] grads = Arrays.stream(params).map(p -> new double[p.length]).toArray(double[][]::new);
        ref.backward(x, widen(d.dy), st, params, k.n(), k.hw(), dx, grads);
        return new Outputs(y, dx, grads);
    }

    /**
     * Two runs of the float kernel: scratch full of NaN, then of other garbage; outputs longer
     * than needed and NaN-filled, with a tail that must stay NaN. Both runs must agree bit for
     * bit and leave the inputs as they were.
     */
    private static FastOutputs fast(Case k, Data d, double actMax, long seed) {
        ShiftMaxF32.Config cfg = config(k, actMax);
        float[] x0 = d.x.clone(), dy0 = d.dy.clone();
        float[][] params0 = Arrays.stream(d.params).map(float[]::clone).toArray(float[][]::new);
        Random garbage = new Random(seed);
        float[][] first = null;
        for (int run = 0; run < 2; run++) {
            float fill = run == 0 ? Float.NaN : 1e30f * garbage.nextFloat();
            float[] state = new float[cfg.stateLength(k.n()) + GUARD];
            float[] work = new float[FAST.workLength(cfg, k.n(), k.hw()) + GUARD];
            Arrays.fill(state, fill);
            Arrays.fill(work, fill);
            float[] y = filled(d.x.length, Float.NaN, GUARD);
            float[] dx = filled(d.x.length, Float.NaN, GUARD);
            float[][] grads = Arrays.stream(d.params).map(p -> filled(p.length, Float.NaN, GUARD)).toArray(float[][]::new);
            FAST.coefficients(cfg, k.n(), k.hw(), d.x, d.params, state, work);
            FAST.fuse(cfg, k.n(), k.hw(), d.x, state, work, y);
            FAST.backward(cfg, k.n(), k.hw(), d.x, d.dy, d.params, state, work, dx, grads);
            List<float[]> outs = new ArrayList<>(List.of(y, dx));
            outs.addAll(List.of(grads));
            for (float[] out : outs) {
                assertGuardIntact(out, out.length - GUARD, k.toString());
            }
            float[][] all = outs.toArray(float[][]::new);
            if (first == null) {
                first = all;
            } else {
                for (int i = 0; i < all.length; i++) {
                    assertArrayEquals(first[i], all[i], k + ": output " + i + " depends on stale scratch");
                }
            }
        }
        assertArrayEquals(x0, d.x, k + ": x changed");
        assertArrayEquals(dy0, d.dy, k + ": dy changed");
        for (int i = 0; i < params0.length; i++) {
            assertArrayEquals(params0[i], d.params[i], k + ": parameter " + i + " changed");
        }
        return new FastOutputs(first[0], first[1], Arrays.copyOfRange(first, 2, first.length));
    }

    /**
     * The sums of absolute terms behind each output, with every max and derivative mask open:
     * the reference's hyper-function on |x| and |parameters| bounds z (so the coefficients'
     * rounding, at slope 2*actMax/6), and the backward pass's sums are taken over |dy| |x|.
     */
    private static Outputs magnitudes(Case k, Data d, double actMax) {
        int n = k.n(), c = k.c(), hw = k.hw(), s = k.squeeze(), q = q(k), shifts = k.shifts();
        double slope = 2 * actMax / 6;
        double[] x = abs(widen(d.x)), dy = abs(widen(d.dy));
        double[][] params = Arrays.stream(d.params).map(p -> abs(widen(p))).toArray(double[][]::new);
        ShiftMaxKernel.State absState = referenceKernel(k, actMax).coefficients(x, n, hw, params);
        ShiftMaxKernel.State st = referenceKernel(k, actMax).coefficients(widen(d.x), n, hw,
                Arrays.stream(d.params).map(F32Data::widen).toArray(double[][]::new));
        int[][] maps = ChannelPermutation.groupShiftPowers(c, k.groups(), shifts);
        double[] coefMag = new double[n * q];
        for (int i = 0; i < n * q; i++) {
            coefMag[i] = Math.abs(st.coef[i])
                    + (k.dynamic() ? slope * absState.preSigmoid[i] : 0);
        }
        double[] y = new double[x.length], dx = new double[x.length], dcoef = new double[n * q];
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                for (int j = 0; j < shifts; j++) {
                    int src = (b * c + maps[j][ch]) * hw, out = (b * c + ch) * hw;
                    for (int kk = 0; kk < k.fusions(); kk++) {
                        int qi = b * q + (kk * shifts + j) * c + ch;
                        for (int p = 0; p < hw; p++) {
                            y[out + p] += coefMag[qi] * x[src + p];
                            dx[src + p] += coefMag[qi] * dy[out + p];
                            dcoef[qi] += dy[out + p] * x[src + p];
                        }
                    }
                }
            }
        }
        if (!k.dynamic()) {
            double[] g = new double[q];
            for (int i = 0; i < n * q; i++) {
                g[i % q] += dcoef[i];
            }
            return new Outputs(y, dx, new double[][]{g});
        }
        double[] w1 = params[0], w2 = params[2];
        double[] gw1 = new double[c * s], gb1 = new double[s], gw2 = new double[s * q], gb2 = new double[q];
        for (int b = 0; b < n; b++) {
            double[] dz = new double[q], dh = new double[s];
            for (int i = 0; i < q; i++) {
                dz[i] = slope * dcoef[b * q + i];
                gb2[i] += dz[i];
            }
            for (int t = 0; t < s; t++) {
                for (int i = 0; i < q; i++) {
                    dh[t] += w2[t * q + i] * dz[i];
                    gw2[t * q + i] += absState.hidden[b * s + t] * dz[i];
                }
                gb1[t] += dh[t];
            }
            for (int ch = 0; ch < c; ch++) {
                double dp = 0;
                for (int t = 0; t < s; t++) {
                    dp += w1[ch * s + t] * dh[t];
                    gw1[ch * s + t] += absState.pooled[b * c + ch] * dh[t];
                }
                for (int p = 0; p < hw; p++) {
                    dx[(b * c + ch) * hw + p] += dp / hw;
                }
            }
        }
        return new Outputs(y, dx, new double[][]{gw1, gb1, gw2, gb2});
    }

    /** A reference output that is mostly zeros checks little (benchdnn's MISTRUSTED); tiny ones are left to chance. */
    private static void assertMostlyNonZero(double[] ref, double maxZeros, String what) {
        if (ref.length < 16) {
            return;
        }
        long zeros = Arrays.stream(ref).filter(v -> v == 0).count();
        assertTrue(zeros <= maxZeros * ref.length, what + ": " + zeros + " of " + ref.length + " reference values are 0");
    }

    private static float[] ints(Random r, int len, int range, float scale) {
        float[] a = new float[len];
        for (int i = 0; i < len; i++) {
            a[i] = (r.nextInt(2 * range + 1) - range) * scale;
        }
        return a;
    }

    private static float[] plus(float v, float[] a) {
        for (int i = 0; i < a.length; i++) {
            a[i] += v;
        }
        return a;
    }

    private static float[] gauss(Random r, int len, double sd) {
        float[] a = new float[len];
        for (int i = 0; i < len; i++) {
            a[i] = (float) (r.nextGaussian() * sd);
        }
        return a;
    }
}
