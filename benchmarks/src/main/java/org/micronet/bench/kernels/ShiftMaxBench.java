package org.micronet.bench.kernels;

import org.micronet.bench.Timing;
import org.micronet.kernels.ShiftMaxKernel;
import org.micronet.kernels.api.ShiftMaxF32;
import org.micronet.kernels.simd.ShiftMaxF32Vec;

import java.util.Random;

import static org.micronet.bench.kernels.BenchData.gauss;
import static org.micronet.bench.kernels.BenchData.narrow;
import static org.micronet.bench.kernels.BenchData.widen;

/**
 * Times Dynamic Shift-Max: the double reference, with the float-double copies and allocations its
 * layer path paid, against the float SIMD kernel, on MicroNet-M0's Shift-Max shapes at batch 128
 * and 32x32 input (training) and a few at batch 1 and 224x224 (latency). Meant for one core:
 * run it with {@code -Dmicronet.kernels.threads=1}. Not a test: it asserts nothing.
 */
public final class ShiftMaxBench {
    // C, shift groups, squeeze, J, K, batch, hw
    private static final int[][] SHAPES = {
            {8, 2, 4, 2, 1, 128, 64}, {32, 8, 4, 2, 2, 128, 16}, {12, 4, 4, 2, 1, 128, 16},
            {48, 12, 8, 2, 2, 128, 4}, {16, 4, 4, 2, 1, 128, 4}, {64, 4, 8, 2, 2, 128, 4},
            {64, 16, 8, 2, 2, 128, 4}, {32, 4, 8, 2, 1, 128, 4}, {128, 8, 16, 2, 2, 128, 4},
            {128, 16, 16, 2, 2, 128, 1}, {64, 8, 16, 2, 1, 128, 1}, {256, 8, 16, 2, 2, 128, 1},
            {256, 32, 16, 2, 2, 128, 1}, {96, 8, 12, 2, 1, 128, 1}, {384, 12, 24, 2, 1, 128, 1},
            {8, 2, 4, 2, 1, 1, 3136}, {32, 8, 4, 2, 2, 1, 784}, {128, 8, 16, 2, 2, 1, 196},
            {384, 12, 24, 2, 1, 1, 49}};
    private static final ShiftMaxF32 FAST = new ShiftMaxF32Vec();

    private ShiftMaxBench() {
    }

    public static void main(String[] args) {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 21;
        // two passes over every shape compile every path (C2 compiles after thousands of calls,
        // and again where a later shape takes a branch the first compilation had not seen)
        for (int pass = 0; pass < 2; pass++) {
            for (int[] shape : SHAPES) {
                measure(shape, 40);
            }
        }
        System.out.printf("%-26s %9s %9s %9s %9s %6s %6s %7s %7s%n", "C g s J K n hw", "ref fwd", "simd fwd",
                "ref bwd", "simd bwd", "x fwd", "x bwd", "GF/s f", "GF/s b");
        double refTotal = 0, fastTotal = 0;
        for (int[] shape : SHAPES) {
            double[] t = measure(shape, runs);
            int c = shape[0], s = shape[2], j = shape[3], k = shape[4], n = shape[5], hw = shape[6], q = k * j * c;
            // multiply-adds count 2. Forward: pooling, FC1, FC2, the fusions; backward: the branch
            // recomputation, dcoef and dx, dh and dW2, dpool and dW1
            double fwdFlops = n * (c * hw + 2.0 * c * s + 2.0 * s * q + 2.0 * q * hw);
            double bwdFlops = n * (4.0 * q * hw + 2.0 * j * c * hw + 4.0 * s * q + 4.0 * c * s);
            System.out.printf("%-26s %7.3fms %7.3fms %7.3fms %7.3fms %5.1fx %5.1fx %7.2f %7.2f%n",
                    String.format("%d %d %d %d %d %d %d", c, shape[1], s, j, k, n, hw),
                    t[0] * 1e3, t[1] * 1e3, t[2] * 1e3, t[3] * 1e3, t[0] / t[1], t[2] / t[3],
                    fwdFlops / t[1] / 1e9, bwdFlops / t[3] / 1e9);
            if (n > 1) {
                refTotal += t[0] + t[2];
                fastTotal += t[1] + t[3];
            }
        }
        System.out.printf("batch-128 shapes, forward + backward: ref %.2f ms, simd %.2f ms (%.1fx)%n",
                refTotal * 1e3, fastTotal * 1e3, refTotal / fastTotal);
    }

    /** Median seconds of reference forward, SIMD forward, reference backward, SIMD backward. */
    private static double[] measure(int[] shape, int runs) {
        int c = shape[0], g = shape[1], s = shape[2], j = shape[3], k = shape[4], n = shape[5], hw = shape[6];
        int q = k * j * c, len = n * c * hw;
        double[] offsets = new double[j * k];
        for (int i = 0; i < offsets.length; i += j) {
            offsets[i] = 1.0;
        }
        Random r = new Random(1);
        float[] x = gauss(r, len, 1), dy = gauss(r, len, 1);
        float[][] params = {gauss(r, c * s, 0.1), gauss(r, s, 0.1), gauss(r, s * q, 0.1), gauss(r, q, 0.1)};
        ShiftMaxKernel ref = new ShiftMaxKernel(c, g, s, j, k, true, 2.0, offsets);
        ShiftMaxF32.Config cfg = ShiftMaxF32.Config.of(c, g, s, j, k, true, 2.0, offsets);

        ShiftMaxKernel.State[] refState = new ShiftMaxKernel.State[1];
        double refFwd = Timing.medianSeconds(3, runs, () -> {
            double[] xd = widen(x);
            refState[0] = ref.coefficients(xd, n, hw, widen(params));
            double[] y = new double[len];
            ref.fuse(xd, refState[0], y, n, hw);
            narrow(y);
        });
        double refBwd = Timing.medianSeconds(3, runs, () -> {
            double[][] pd = widen(params);
            double[][] grads = new double[pd.length][];
            for (int i = 0; i < pd.length; i++) {
                grads[i] = new double[pd[i].length];
            }
            double[] dx = new double[len];
            ref.backward(widen(x), widen(dy), refState[0], pd, n, hw, dx, grads);
            narrow(dx);
            for (double[] grad : grads) {
                narrow(grad);
            }
        });

        float[] state = new float[cfg.stateLength(n)], work = new float[FAST.workLength(cfg, n, hw)];
        float[] y = new float[len], dx = new float[len];
        float[][] grads = {new float[c * s], new float[s], new float[s * q], new float[q]};
        double fastFwd = Timing.medianSeconds(20, runs, () -> {
            FAST.coefficients(cfg, n, hw, x, params, state, work);
            FAST.fuse(cfg, n, hw, x, state, work, y);
        });
        double fastBwd = Timing.medianSeconds(20, runs,
                () -> FAST.backward(cfg, n, hw, x, dy, params, state, work, dx, grads));
        return new double[]{refFwd, fastFwd, refBwd, fastBwd};
    }
}
