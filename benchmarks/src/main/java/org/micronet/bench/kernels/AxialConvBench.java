package org.micronet.bench.kernels;

import org.micronet.bench.Timing;
import org.micronet.kernels.GroupedConvKernel;
import org.micronet.kernels.GroupedConvKernel.Geometry;
import org.micronet.kernels.KernelProvider;
import org.micronet.kernels.api.GroupedConvF32;

import java.util.List;
import java.util.Random;

import static org.micronet.bench.kernels.BenchData.gauss;
import static org.micronet.bench.kernels.BenchData.narrow;
import static org.micronet.bench.kernels.BenchData.widen;

/**
 * Times the axial conv of MicroNet-M0: the double reference, with the float-to-double copies
 * its layer path pays, against the SIMD kernel, forward and backward. Not a test: it prints
 * median milliseconds and the SIMD kernel's GFLOP/s (2 flops per multiply-add, padding taps
 * included; backward does twice the forward's). Run with {@code --add-modules jdk.incubator.vector};
 * {@code -Dmicronet.kernels.threads=1} times one core.
 */
public final class AxialConvBench {
    /** M0's axial convs at batch 128 on 32 x 32 input, then its stem and first block at batch 1 on 224 x 224. */
    private static final List<Geometry> SHAPES = List.of(
            Geometry.axial(128, 3, 2, 1, 32, 32, 3, 2, true),
            Geometry.axial(128, 2, 4, 2, 16, 32, 3, 2, false),
            Geometry.axial(128, 4, 8, 4, 16, 16, 3, 2, true),
            Geometry.axial(128, 8, 16, 8, 8, 16, 3, 2, false),
            Geometry.axial(128, 8, 16, 8, 8, 8, 3, 2, true),
            Geometry.axial(128, 16, 32, 16, 4, 8, 3, 2, false),
            Geometry.axial(128, 12, 24, 12, 4, 4, 5, 2, true),
            Geometry.axial(128, 24, 48, 24, 2, 4, 5, 2, false),
            Geometry.axial(128, 64, 64, 64, 2, 2, 5, 1, true),
            Geometry.axial(128, 64, 64, 64, 2, 2, 5, 1, false),
            Geometry.axial(128, 128, 128, 128, 2, 2, 5, 2, true),
            Geometry.axial(128, 128, 128, 128, 1, 2, 5, 2, false),
            Geometry.axial(128, 256, 256, 256, 1, 1, 3, 1, true),
            Geometry.axial(128, 256, 256, 256, 1, 1, 3, 1, false),
            Geometry.axial(1, 3, 2, 1, 224, 224, 3, 2, true),
            Geometry.axial(1, 2, 4, 2, 112, 224, 3, 2, false),
            Geometry.axial(1, 4, 8, 4, 112, 112, 3, 2, true),
            Geometry.axial(1, 8, 16, 8, 56, 112, 3, 2, false));

    private AxialConvBench() {
    }

    public static void main(String[] args) {
        GroupedConvF32 fast = KernelProvider.fast(GroupedConvF32.class, "GroupedConvF32Vec");
        if (fast == null) {
            throw new IllegalStateException("the SIMD kernels are off: run with --add-modules jdk.incubator.vector");
        }
        System.out.printf("%-40s %9s %9s %6s %9s %9s %6s %9s %9s%n", "n cin->cout /groups HxW k stride axis",
                "fwd ref", "fwd simd", "x", "bwd ref", "bwd simd", "x", "fwd GF/s", "bwd GF/s");
        for (Geometry g : SHAPES) {
            run(g, fast);
        }
    }

    private static void run(Geometry g, GroupedConvF32 fast) {
        Random rnd = new Random(1);
        int xLen = g.n() * g.cin() * g.height() * g.width();
        int yLen = g.n() * g.cout() * g.outHeight() * g.outWidth();
        float[] x = gauss(rnd, xLen, 1), w = gauss(rnd, g.weightLength(), 1), dy = gauss(rnd, yLen, 1);
        float[] y = new float[yLen], dx = new float[xLen], dw = new float[g.weightLength()];
        float[] scratch = new float[fast.scratchLength(g)];
        // enough warm-up calls for C2 to compile the vector code (interpreted, the Vector API is very slow)
        int runs = Math.max(15, (int) (2e7 / (xLen + yLen))), warmup = 5 * runs;

        double fwdRef = Timing.medianSeconds(warmup, runs, () -> {
            double[] yd = new double[yLen];
            GroupedConvKernel.forward(widen(x), widen(w), yd, g);
            narrow(yd);
        });
        double bwdRef = Timing.medianSeconds(warmup, runs, () -> {
            double[] dxd = new double[xLen], dwd = new double[w.length];
            GroupedConvKernel.backward(widen(x), widen(w), widen(dy), dxd, dwd, g);
            narrow(dxd);
            narrow(dwd);
        });
        double fwd = Timing.medianSeconds(warmup, runs, () -> fast.forward(x, w, y, g, scratch));
        double bwd = Timing.medianSeconds(warmup, runs, () -> fast.backward(x, w, dy, dx, dw, g, scratch));

        double flops = 2.0 * yLen * (g.cin() / g.groups()) * g.taps();
        boolean height = g.kw() == 1;
        String name = String.format("%d %d->%d /%d %dx%d k%d s%d %s", g.n(), g.cin(), g.cout(), g.groups(), g.height(),
                g.width(), g.taps(), height ? g.sh() : g.sw(), height ? "kx1" : "1xk");
        System.out.printf("%-40s %9.3f %9.3f %6.1f %9.3f %9.3f %6.1f %9.2f %9.2f%n", name,
                fwdRef * 1e3, fwd * 1e3, fwdRef / fwd, bwdRef * 1e3, bwd * 1e3, bwdRef / bwd,
                flops / fwd / 1e9, 2 * flops / bwd / 1e9);
    }
}
