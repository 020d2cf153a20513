package org.micronet.kernels;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.micronet.kernels.GroupedConvKernel.Geometry;
import org.micronet.kernels.api.GroupedConvF32;
import org.micronet.kernels.simd.GroupedConvF32Vec;
import org.micronet.kernels.simd.Lanes;
import org.micronet.layers.GroupedConv;
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

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.micronet.kernels.F32Data.abs;
import static org.micronet.kernels.F32Data.assertClose;
import static org.micronet.kernels.F32Data.assertEqualValues;
import static org.micronet.kernels.F32Data.filled;
import static org.micronet.kernels.F32Data.inputWithNanTail;
import static org.micronet.kernels.F32Data.widen;

/**
 * The SIMD grouped conv against the double reference: exact on small integers, within float
 * round-off on normal inputs, over lane-count edges of the width and the plane, groups,
 * multipliers, strides, even and unit kernels, k x k kernels with either or both axes strided,
 * every axial conv of M0 and every depthwise conv of MobileNetV3-Small at 32 and 224.
 * Batch 1 (inference) has layouts of its own, which M0 at 224 and these shapes cover.
 * Outputs start as NaN with a NaN guard after them, inputs carry a NaN tail the kernel must
 * not read, and a second call on garbage scratch and outputs must repeat the first exactly.
 */
class GroupedConvF32VecTest {
    private static final GroupedConvF32 FAST = new GroupedConvF32Vec();
    private static final int GUARD = 37;

    static List<Geometry> geometries() {
        int n = Lanes.N;
        Set<Geometry> all = new LinkedHashSet<>();
        for (boolean alongHeight : new boolean[]{true, false}) {
            for (int w : new int[]{1, n - 1, n, n + 1, 2 * n + 1}) {
                all.add(Geometry.axial(2, 3, 6, 3, 3, w, 3, 2, alongHeight));
                all.add(Geometry.axial(1, 4, 4, 4, 5, w, 5, 1, alongHeight));
                all.add(Geometry.axial(2, 2, 4, 1, 4, w, 3, 2, alongHeight));
            }
            // planes of 1, N-1, N, N+1, 2N+1 elements
            for (int[] hw : new int[][]{{1, 1}, {1, n - 1}, {n / 4, 4}, {n + 1, 1}, {2 * n + 1, 1}, {1, 2 * n + 1}}) {
                all.add(Geometry.axial(3, 5, 5, 5, hw[0], hw[1], 3, 1, alongHeight));
                all.add(Geometry.axial(2, 4, 12, 4, hw[0], hw[1], 5, 2, alongHeight));
            }
            // channels per group below, at and above N
            for (int cig : new int[]{2, n, n + 1}) {
                all.add(Geometry.axial(2, 2 * cig, 6, 2, 5, 4, 3, 1, alongHeight));
                all.add(Geometry.axial(1, cig, 3, 1, 6, 7, 3, 2, alongHeight));
            }
            all.add(Geometry.axial(2, 3, 6, 3, 6, 10, 2, 1, alongHeight));   // even k: output longer than the input
            all.add(Geometry.axial(2, 4, 8, 2, 7, 9, 4, 2, alongHeight));
            all.add(Geometry.axial(2, 3, 3, 3, 5, 9, 1, 2, alongHeight));    // k = 1: odd positions get no gradient
            all.add(Geometry.axial(2, 2, 6, 2, 8, 13, 5, 3, alongHeight));   // stride 3
            all.add(Geometry.axial(2, 3, 9, 3, 6, 12, 3, 1, alongHeight));   // multiplier at stride 1
            all.add(Geometry.axial(3, 6, 6, 6, 16, 16, 3, 2, alongHeight));  // even planes: the split layout
            for (int size = 1; size < n; size *= 2) {                       // split by vectors, blocks of 1 .. N/2
                all.add(Geometry.axial(2, 6, 6, 6, 2 * n / size, size, 3, 2, true));
            }
        }
        // k x k: planes of 1, below and around a vector, rows of 2N and more (by rows), even sizes (split rows)
        for (int[] k : new int[][]{{3, 3}, {5, 5}, {3, 5}}) {
            for (int[] s : new int[][]{{1, 1}, {2, 2}, {1, 2}, {2, 1}}) {
                for (int[] hw : new int[][]{{1, 1}, {3, 2}, {5, 7}, {n - 1, n + 1}, {5, 2 * n}, {9, 4 * n + 3},
                        {6, 4 * n}}) {
                    for (int m : new int[]{1, 2}) {
                        all.add(new Geometry(2, 3, 3 * m, 3, hw[0], hw[1], k[0], k[1], s[0], s[1]));
                    }
                }
            }
        }
        all.add(new Geometry(2, 4, 6, 2, 7, 2 * n + 1, 3, 3, 2, 2));      // grouped k x k, joined and by rows
        all.add(new Geometry(2, 4, 6, 2, 7, 4 * n, 3, 3, 1, 1));
        all.add(new Geometry(3, 5, 5, 5, 4, 4, 2, 4, 2, 2));             // even k x k: output larger than the input
        // batch 1 joins planes below 8N with per-block coefficients and runs larger ones through the masks
        all.add(new Geometry(1, 3, 6, 3, 9, 11, 3, 3, 2, 2));
        all.add(new Geometry(1, 3, 6, 3, 20, 14, 5, 5, 1, 2));
        all.add(new Geometry(1, 4, 6, 2, 9, 8 * n + 1, 1, 3, 1, 1));
        all.add(Geometry.axial(1, 3, 6, 3, 16, 4 * n, 3, 2, false));
        all.addAll(convs("m0", 32, 2, 10));
        all.addAll(convs("m0", 224, 1, 10));
        all.addAll(convs("mobilenetv3-small-1.0", 32, 2, 11));
        all.addAll(convs("mobilenetv3-small-1.0", 224, 1, 11));
        return new ArrayList<>(all);
    }

    /**
     * Every grouped conv (axial and depthwise) of a bundled model at {@code size} x {@code size}
     * input, on a batch of n; M0 has an axial conv pair in the stem and in six blocks,
     * MobileNetV3-Small a depthwise conv in each of its 11 blocks.
     */
    static List<Geometry> convs(String model, int size, int n, int atLeast) {
        ModelConfig cfg = Models.bundled(model).withTask(size, 10);
        ComputationGraphConfiguration conf = Models.graph(cfg, Models.defaults(0));
        Map<String, InputType> types = conf.getLayerActivationTypes(Models.inputType(cfg));
        List<Geometry> out = new ArrayList<>();
        conf.getVertices().forEach((name, v) -> {
            if (v instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof GroupedConv a) {
                String from = conf.getVertexInputs().get(name).get(0);
                InputType.InputTypeConvolutional in = (InputType.InputTypeConvolutional)
                        (types.containsKey(from) ? types.get(from) : Models.inputType(cfg));
                out.add(a.geometry(n, (int) in.getHeight(), (int) in.getWidth()));
            }
        });
        assertTrue(out.size() >= atLeast, model + " has " + atLeast + " grouped convs or more: " + out);
        return out;
    }

    @ParameterizedTest
    @MethodSource("geometries")
    void smallIntegersGiveExactlyTheReference(Geometry g) {
        check(g, true, 11);
    }

    @ParameterizedTest
    @MethodSource("geometries")
    void normalInputsAgreeWithinRoundOff(Geometry g) {
        check(g, false, 12);
    }

    private static void check(Geometry g, boolean exact, long seed) {
        Random rnd = new Random(seed ^ g.hashCode());
        int xLen = g.n() * g.cin() * g.height() * g.width();
        int yLen = g.n() * g.cout() * g.outHeight() * g.outWidth();
        float[] x = inputWithNanTail(rnd, xLen, exact, GUARD);
        float[] w = inputWithNanTail(rnd, g.weightLength(), exact, GUARD);
        float[] dy = inputWithNanTail(rnd, yLen, exact, GUARD);
        float[] x0 = x.clone(), w0 = w.clone(), dy0 = dy.clone();

        double[] xd = widen(x, xLen), wd = widen(w, g.weightLength()), dyd = widen(dy, yLen);
        double[] y = new double[yLen], dx = new double[xLen], dw = new double[g.weightLength()];
        GroupedConvKernel.forward(xd, wd, y, g);
        GroupedConvKernel.backward(xd, wd, dyd, dx, dw, g);
        double[] yAbs = new double[yLen], dxAbs = new double[xLen], dwAbs = new double[g.weightLength()];
        GroupedConvKernel.forward(abs(xd), abs(wd), yAbs, g);
        GroupedConvKernel.backward(abs(xd), abs(wd), abs(dyd), dxAbs, dwAbs, g);
        if (!exact) {
            assertTrue(nonZero(y) > 0.5, "the reference output is mostly zeros: a weak case " + g);
        }

        String what = g + (exact ? " exact" : " random, seed " + seed);
        float[] scratch = new float[FAST.scratchLength(g) + GUARD];
        float[][] first = null;
        for (int call = 0; call < 2; call++) {
            // first call: NaN everywhere; second: garbage scratch and outputs, NaN guards
            float fill = call == 0 ? Float.NaN : 1e30f;
            Arrays.fill(scratch, fill);
            float[] fy = filled(yLen, fill, GUARD), fdx = filled(xLen, fill, GUARD);
            float[] fdw = filled(g.weightLength(), fill, GUARD);
            FAST.forward(x, w, fy, g, scratch);
            Arrays.fill(scratch, call == 0 ? Float.NaN : -7e29f);
            FAST.backward(x, w, dy, fdx, fdw, g, scratch);
            compare(y, yAbs, fy, exact, "y of " + what);
            compare(dx, dxAbs, fdx, exact, "dx of " + what);
            compare(dw, dwAbs, fdw, exact, "dw of " + what);
            if (first == null) {
                first = new float[][]{fy, fdx, fdw};
            } else {
                assertTrue(Arrays.equals(first[0], fy) && Arrays.equals(first[1], fdx) && Arrays.equals(first[2], fdw),
                        "a second call on stale scratch differs: " + what);
            }
        }
        assertTrue(Arrays.equals(x0, x) && Arrays.equals(w0, w) && Arrays.equals(dy0, dy), "inputs changed: " + what);
    }

    private static double nonZero(double[] a) {
        return Arrays.stream(a).filter(v -> v != 0).count() / (double) Math.max(1, a.length);
    }

    /** Exact mode: equal as numbers; random mode: within round-off of the sums of absolute terms. */
    private static void compare(double[] ref, double[] refAbs, float[] fast, boolean exact, String what) {
        if (exact) {
            assertEqualValues(ref, fast, ref.length, what);
        } else {
            assertClose(ref, fast, refAbs, ref.length, what);
        }
    }

    /**
     * After warm-up, a forward and backward pass allocates only per-call objects (the loops'
     * lambdas), not per vector: a boxed vector per step would cost
     * megabytes here.
     */
    @Test
    void theSteadyStateDoesNotAllocatePerElement() {
        Geometry g = Geometry.axial(32, 8, 16, 8, 8, 16, 3, 2, false);
        float[] x = new float[g.n() * g.cin() * g.height() * g.width()];
        float[] w = new float[g.weightLength()], dw = new float[g.weightLength()];
        float[] y = new float[g.n() * g.cout() * g.outHeight() * g.outWidth()];
        float[] dx = new float[x.length], scratch = new float[FAST.scratchLength(g)];
        Arrays.fill(x, 1f);
        Arrays.fill(w, 0.5f);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long perCall = Long.MAX_VALUE;
        // C2 compiles the vector code after some thousands of calls; until then the API allocates
        for (int round = 0; round < 40 && perCall > 16_384; round++) {
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 100; i++) {
                FAST.forward(x, w, y, g, scratch);
                FAST.backward(x, w, y, dx, dw, g, scratch);
            }
            perCall = (threads.getCurrentThreadAllocatedBytes() - before) / 100;
        }
        assertTrue(perCall <= 16_384, "allocates " + perCall + " bytes per forward and backward");
    }
}
