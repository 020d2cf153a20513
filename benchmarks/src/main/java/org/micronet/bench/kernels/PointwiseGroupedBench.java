package org.micronet.bench.kernels;

import org.micronet.bench.Timing;
import org.micronet.kernels.GroupedPointwiseKernel;
import org.micronet.kernels.Parallel;
import org.micronet.kernels.api.PointwiseGroupedF32;
import org.micronet.kernels.simd.PointwiseGroupedF32Vec;
import org.micronet.layers.KernelBridge;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Random;

/**
 * Times MicroNet-M0's grouped pointwise convolutions, forward and backward, from FLOAT INDArray in
 * to INDArray out as the layer runs them: the double reference path (KernelBridge's widening and
 * narrowing copies included), the SIMD path (bulk float copies included) and the SIMD kernel alone;
 * and, as the alternative for large planes, ND4J's sgemm per group with the batch folded into the
 * columns: the whole path (a permuted copy in and out when the batch exceeds one) and the gemm calls
 * alone on views built beforehand, the least any ND4J-based path could cost. Outputs go into arrays
 * allocated once, as workspaces do in training. Not a test: it prints ms, the kernel's GFLOP/s, the
 * speed-up of the layer path and bytes allocated per SIMD kernel call once warm. Run with
 * {@code -Dmicronet.kernels.threads=1} (and {@code OMP_NUM_THREADS=1} for ND4J) for one core.
 */
public final class PointwiseGroupedBench {
    private static final PointwiseGroupedF32 SIMD = new PointwiseGroupedF32Vec();

    private PointwiseGroupedBench() {
    }

    public static void main(String[] args) {
        int[][] layers = {{16, 8, 2}, {32, 12, 4}, {48, 16, 4}, {16, 64, 4}, {64, 32, 4}, {32, 128, 8},
                {128, 64, 8}, {64, 256, 8}, {256, 96, 8}, {96, 384, 12}};
        int[] side32 = {8, 4, 2, 2, 2, 2, 1, 1, 1, 1};
        int[] side224 = {56, 28, 14, 14, 14, 14, 7, 7, 7, 7};
        System.out.printf("threads: %s, lanes: %d%n", System.getProperty(Parallel.THREADS_PROPERTY, "all"),
                org.micronet.kernels.simd.Lanes.N);
        System.out.printf("%-24s %-4s %8s %8s %8s %7s %8s %8s %7s %6s%n", "n cin->cout g HxW", "pass",
                "ref ms", "simd ms", "kern ms", "GF/s", "nd4j ms", "gemm ms", "x ref", "B/call");
        // untimed: the first shape would otherwise be timed while the JIT still compiles ND4J and the kernels
        run(128, layers[0][0], layers[0][1], layers[0][2], side32[0], false);
        for (int i = 0; i < layers.length; i++) {
            run(128, layers[i][0], layers[i][1], layers[i][2], side32[i], true);
        }
        for (int i = 0; i < layers.length; i++) {
            run(1, layers[i][0], layers[i][1], layers[i][2], side224[i], true);
        }
    }

    private static void run(int n, int cin, int cout, int groups, int side, boolean print) {
        int hw = side * side;
        int cig = cin / groups;
        int cog = cout / groups;
        Random rnd = new Random(1);
        INDArray x = randn(rnd, n, cin, side, side);
        INDArray w = randn(rnd, cout, cig);
        INDArray dy = randn(rnd, n, cout, side, side);
        // flat: ND4J does not count [n, c, 1, 1] with strides [c, 1, 1, 1] as plain c order, and KernelBridge.assign refuses it
        INDArray yOut = Nd4j.create(DataType.FLOAT, (long) n * cout * hw);
        INDArray dxOut = Nd4j.create(DataType.FLOAT, (long) n * cin * hw);
        INDArray dwOut = Nd4j.create(DataType.FLOAT, cout, cig);
        float[] xs = new float[n * cin * hw], ws = new float[cout * cig], ys = new float[n * cout * hw];
        float[] dys = new float[n * cout * hw], dxs = new float[n * cin * hw], dws = new float[cout * cig];
        float[] work = new float[SIMD.scratchFloats(n, cin, cout, groups, hw)];
        KernelBridge.read(x, xs);
        KernelBridge.read(w, ws);
        KernelBridge.read(dy, dys);

        Runnable refFwd = () -> {
            double[] y = new double[n * cout * hw];
            GroupedPointwiseKernel.forward(KernelBridge.read(x), KernelBridge.read(w), y, n, cin, cout, groups, hw);
            KernelBridge.assign(yOut, y);
        };
        Runnable simdFwd = () -> {
            SIMD.forward(KernelBridge.read(x, xs), KernelBridge.read(w, ws), ys, work, n, cin, cout, groups, hw);
            KernelBridge.assign(yOut, ys);
        };
        Runnable kernFwd = () -> SIMD.forward(xs, ws, ys, work, n, cin, cout, groups, hw);
        Runnable nd4jFwd = () -> {
            INDArray xc = columns(x, n, cin, hw);
            INDArray yc = Nd4j.createUninitialized(DataType.FLOAT, cout, (long) n * hw);
            for (int g = 0; g < groups; g++) {
                Nd4j.gemm(rows(w, g, cog), rows(xc, g, cig), rows(yc, g, cog), false, false, 1.0, 0.0);
            }
            yOut.assign(images(yc, n, cout, side).reshape(yOut.length()));
        };
        Runnable refBwd = () -> {
            double[] dx = new double[n * cin * hw];
            double[] dw = new double[cout * cig];
            GroupedPointwiseKernel.backward(KernelBridge.read(x), KernelBridge.read(w), KernelBridge.read(dy), dx, dw,
                    n, cin, cout, groups, hw);
            KernelBridge.assign(dwOut, dw);
            KernelBridge.assign(dxOut, dx);
        };
        Runnable simdBwd = () -> {
            SIMD.backward(KernelBridge.read(x, xs), KernelBridge.read(w, ws), KernelBridge.read(dy, dys), dxs, dws,
                    work, n, cin, cout, groups, hw);
            KernelBridge.assign(dwOut, dws);
            KernelBridge.assign(dxOut, dxs);
        };
        Runnable kernBwd = () -> SIMD.backward(xs, ws, dys, dxs, dws, work, n, cin, cout, groups, hw);
        Runnable nd4jBwd = () -> {
            INDArray xc = columns(x, n, cin, hw);
            INDArray dyc = columns(dy, n, cout, hw);
            INDArray dxc = Nd4j.createUninitialized(DataType.FLOAT, cin, (long) n * hw);
            for (int g = 0; g < groups; g++) {
                Nd4j.gemm(rows(w, g, cog), rows(dyc, g, cog), rows(dxc, g, cig), true, false, 1.0, 0.0);
                Nd4j.gemm(rows(dyc, g, cog), rows(xc, g, cig), rows(dwOut, g, cog), false, true, 1.0, 0.0);
            }
            dxOut.assign(images(dxc, n, cin, side).reshape(dxOut.length()));
        };
        INDArray[] xg = groupRows(columns(x, n, cin, hw), groups, cig);
        INDArray[] wg = groupRows(w, groups, cog);
        INDArray[] yg = groupRows(Nd4j.create(DataType.FLOAT, cout, (long) n * hw), groups, cog);
        INDArray[] dyg = groupRows(columns(dy, n, cout, hw), groups, cog);
        INDArray[] dxg = groupRows(Nd4j.create(DataType.FLOAT, cin, (long) n * hw), groups, cig);
        INDArray[] dwg = groupRows(dwOut, groups, cog);
        Runnable gemmFwd = () -> {
            for (int g = 0; g < groups; g++) {
                Nd4j.gemm(wg[g], xg[g], yg[g], false, false, 1.0, 0.0);
            }
        };
        Runnable gemmBwd = () -> {
            for (int g = 0; g < groups; g++) {
                Nd4j.gemm(wg[g], dyg[g], dxg[g], true, false, 1.0, 0.0);
                Nd4j.gemm(dyg[g], xg[g], dwg[g], false, true, 1.0, 0.0);
            }
        };

        double flops = 2.0 * n * hw * cout * cig;
        String shape = String.format("%d %d->%d g%d %dx%d", n, cin, cout, groups, side, side);
        report(shape, "fwd", flops, print, refFwd, simdFwd, kernFwd, nd4jFwd, gemmFwd);
        report(shape, "bwd", 2 * flops, print, refBwd, simdBwd, kernBwd, nd4jBwd, gemmBwd);
    }

    private static void report(String shape, String pass, double flops, boolean print, Runnable ref, Runnable simd,
                               Runnable kern, Runnable nd4j, Runnable gemm) {
        double tr = seconds(ref), ts = seconds(simd), tk = seconds(kern), tn = seconds(nd4j), tg = seconds(gemm);
        if (!print) {
            return;
        }
        System.out.printf("%-24s %-4s %8.4f %8.4f %8.4f %7.1f %8.4f %8.4f %7.1f %6d%n", shape, pass, tr * 1e3,
                ts * 1e3, tk * 1e3, flops / tk / 1e9, tn * 1e3, tg * 1e3, tr / ts,
                KernelTimer.allocatedPerCall(kern, 100));
    }

    /**
     * Median seconds over about a quarter second of calls, after calling for a second (C2 must have
     * compiled the kernel). Not {@link KernelTimer#row}: this table has ND4J columns, and a
     * different warm-up and sample count would change what its numbers mean.
     */
    private static double seconds(Runnable action) {
        long end = System.nanoTime() + 1_000_000_000L;
        int calls = 0;
        while (System.nanoTime() < end) {
            action.run();
            calls++;
        }
        return Timing.medianSeconds(0, Math.max(11, calls / 4), action);
    }

    /** [n][c][hw] as [c][n*hw] (a view when n is 1, else a permuted copy). */
    private static INDArray columns(INDArray a, int n, int c, int hw) {
        if (n == 1) {
            return a.reshape(c, hw);
        }
        return a.reshape(n, c, hw).permute(1, 0, 2).dup('c').reshape(c, (long) n * hw);
    }

    /** [c][n*hw] back to [n][c][h][w]. */
    private static INDArray images(INDArray cols, int n, int c, int side) {
        if (n == 1) {
            return cols.reshape(1, c, side, side);
        }
        return cols.reshape(c, n, (long) side * side).permute(1, 0, 2).dup('c').reshape(n, c, side, side);
    }

    private static INDArray[] groupRows(INDArray a, int groups, int per) {
        INDArray[] r = new INDArray[groups];
        for (int g = 0; g < groups; g++) {
            r[g] = rows(a, g, per);
        }
        return r;
    }

    private static INDArray rows(INDArray a, int g, int per) {
        return a.get(NDArrayIndex.interval((long) g * per, (long) (g + 1) * per), NDArrayIndex.all());
    }

    private static INDArray randn(Random rnd, long... shape) {
        int length = Math.toIntExact(java.util.Arrays.stream(shape).reduce(1, Math::multiplyExact));
        return Nd4j.create(BenchData.gauss(rnd, length, 1), shape, 'c');
    }
}
