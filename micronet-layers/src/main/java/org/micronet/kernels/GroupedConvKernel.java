package org.micronet.kernels;

import java.util.Arrays;

/**
 * A kh x kw convolution with channel groups and no bias, on NCHW data flattened to
 * {@code [n][c][h][w]}: zero padding kh/2 and kw/2, strides sh and sw. Output channel o reads
 * the input channels of group o / (cout/groups), as PyTorch's grouped conv; groups == cin is a
 * depthwise conv with multiplier cout/cin. The weight is {@code [cout][cin/groups][kh][kw]},
 * PyTorch's layout. The axial convs are its kh == 1 or kw == 1 cases, whose weight
 * {@code [cout][cin/groups][k]} is the same memory.
 *
 * <p>Each tap is one pass of a scaled add over runs of contiguous output memory: one output
 * row a run, or all rows at once when the tap reads whole input rows at stride 1.
 */
public final class GroupedConvKernel {
    private GroupedConvKernel() {
    }

    /** Output length along an axis: what PyTorch and DL4J's truncate mode give with padding k/2. */
    public static int outputLength(int in, int k, int stride) {
        return (in + 2 * (k / 2) - k) / stride + 1;
    }

    /** The sizes of one call. Tap t is kernel row t / kw, column t % kw. */
    public record Geometry(int n, int cin, int cout, int groups, int height, int width, int kh, int kw, int sh,
                           int sw) {

        /** A k x 1 kernel with stride along height, or 1 x k with stride along width. */
        public static Geometry axial(int n, int cin, int cout, int groups, int height, int width, int k, int stride,
                                     boolean alongHeight) {
            return alongHeight ? new Geometry(n, cin, cout, groups, height, width, k, 1, stride, 1)
                    : new Geometry(n, cin, cout, groups, height, width, 1, k, 1, stride);
        }

        public int outHeight() {
            return outputLength(height, kh, sh);
        }

        public int outWidth() {
            return outputLength(width, kw, sw);
        }

        public int taps() {
            return kh * kw;
        }

        public int weightLength() {
            return cout * (cin / groups) * taps();
        }

        int inPlane() {
            return height * width;
        }

        int outPlane() {
            return outHeight() * outWidth();
        }

        /** The first output position along an axis whose tap at input offset {@code off} falls inside the input. */
        private static int first(int off, int stride) {
            return off >= 0 ? 0 : (-off + stride - 1) / stride;
        }

        /** How many output positions along an axis have the tap at offset {@code off} inside the input. */
        private static int count(int off, int in, int out, int stride) {
            int last = Math.min(out - 1, Math.floorDiv(in - 1 - off, stride));
            return Math.max(0, last - first(off, stride) + 1);
        }

        private int offH(int t) {
            return t / kw - kh / 2;
        }

        private int offW(int t) {
            return t % kw - kw / 2;
        }

        private int firstRow(int t) {
            return first(offH(t), sh);
        }

        private int firstCol(int t) {
            return first(offW(t), sw);
        }

        private int rows(int t) {
            return count(offH(t), height, outHeight(), sh);
        }

        private int cols(int t) {
            return count(offW(t), width, outWidth(), sw);
        }

        /** Tap t reads whole input rows into whole output rows of the same length: its rows join into one run. */
        private boolean joined(int t) {
            return sh == 1 && sw == 1 && width == outWidth() && cols(t) == width;
        }

        // Tap t pairs input and output elements in runs: output elements of a run are
        // contiguous, input elements are xStep() apart.

        int runs(int t) {
            return joined(t) ? 1 : rows(t);
        }

        int runLength(int t) {
            return joined(t) ? rows(t) * width : cols(t);
        }

        int xStep() {
            return sw;
        }

        /** Start of run r of tap t within an input plane. */
        int xStart(int t, int r) {
            return ((firstRow(t) + r) * sh + offH(t)) * width + firstCol(t) * sw + offW(t);
        }

        /** Start of run r of tap t within an output plane. */
        int yStart(int t, int r) {
            return (firstRow(t) + r) * outWidth() + firstCol(t);
        }
    }

    /** Writes y, {@code [n][cout][outHeight][outWidth]}. Images and output channels run in parallel. */
    public static void forward(double[] x, double[] w, double[] y, Geometry g) {
        int cig = g.cin() / g.groups(), cog = g.cout() / g.groups(), k = g.taps(), step = g.xStep();
        int inPlane = g.inPlane(), outPlane = g.outPlane();
        Parallel.forEach(g.n() * g.cout(), plane -> {
            int b = plane / g.cout(), o = plane % g.cout();
            int yPlane = plane * outPlane;
            Arrays.fill(y, yPlane, yPlane + outPlane, 0.0);
            for (int i = 0; i < cig; i++) {
                int xPlane = (b * g.cin() + o / cog * cig + i) * inPlane;
                for (int t = 0; t < k; t++) {
                    double wv = w[(o * cig + i) * k + t];
                    int runs = g.runs(t), len = g.runLength(t);
                    for (int r = 0; r < runs; r++) {
                        gatherAdd(wv, x, xPlane + g.xStart(t, r), step, y, yPlane + g.yStart(t, r), len);
                    }
                }
            }
        });
    }

    /**
     * Writes (not accumulates) dx and dw. dx runs in parallel over images and input channels,
     * dw over output channels, so every task writes its own slice.
     */
    public static void backward(double[] x, double[] w, double[] dy, double[] dx, double[] dw, Geometry g) {
        int cig = g.cin() / g.groups(), cog = g.cout() / g.groups(), k = g.taps(), step = g.xStep();
        int inPlane = g.inPlane(), outPlane = g.outPlane();
        Parallel.forEach(g.n() * g.cin(), plane -> {
            int b = plane / g.cin(), c = plane % g.cin();
            int i = c % cig, firstOut = c / cig * cog;
            int xPlane = plane * inPlane;
            Arrays.fill(dx, xPlane, xPlane + inPlane, 0.0);
            for (int o = firstOut; o < firstOut + cog; o++) {
                int yPlane = (b * g.cout() + o) * outPlane;
                for (int t = 0; t < k; t++) {
                    double wv = w[(o * cig + i) * k + t];
                    int runs = g.runs(t), len = g.runLength(t);
                    for (int r = 0; r < runs; r++) {
                        scatterAdd(wv, dy, yPlane + g.yStart(t, r), dx, xPlane + g.xStart(t, r), step, len);
                    }
                }
            }
        });
        Parallel.forEach(g.cout(), o -> {
            int firstIn = o / cog * cig;
            for (int i = 0; i < cig; i++) {
                for (int t = 0; t < k; t++) {
                    int runs = g.runs(t), len = g.runLength(t);
                    double sum = 0;
                    for (int b = 0; b < g.n(); b++) {
                        int xPlane = (b * g.cin() + firstIn + i) * inPlane;
                        int yPlane = (b * g.cout() + o) * outPlane;
                        for (int r = 0; r < runs; r++) {
                            sum += dot(x, xPlane + g.xStart(t, r), step, dy, yPlane + g.yStart(t, r), len);
                        }
                    }
                    dw[(o * cig + i) * k + t] = sum;
                }
            }
        });
    }

    /** y[yo + m] += a * x[xo + m * step]; the unit-step loop is the one the JIT vectorises. */
    private static void gatherAdd(double a, double[] x, int xo, int step, double[] y, int yo, int len) {
        if (step == 1) {
            for (int m = 0; m < len; m++) {
                y[yo + m] += a * x[xo + m];
            }
        } else {
            for (int m = 0; m < len; m++) {
                y[yo + m] += a * x[xo + m * step];
            }
        }
    }

    /** x[xo + m * step] += a * y[yo + m]. */
    private static void scatterAdd(double a, double[] y, int yo, double[] x, int xo, int step, int len) {
        if (step == 1) {
            for (int m = 0; m < len; m++) {
                x[xo + m] += a * y[yo + m];
            }
        } else {
            for (int m = 0; m < len; m++) {
                x[xo + m * step] += a * y[yo + m];
            }
        }
    }

    /** Sum of x[xo + m * step] * y[yo + m], in four partial sums so the adds do not wait on each other. */
    private static double dot(double[] x, int xo, int step, double[] y, int yo, int len) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int m = 0;
        for (; m + 3 < len; m += 4) {
            int xi = xo + m * step;
            s0 += x[xi] * y[yo + m];
            s1 += x[xi + step] * y[yo + m + 1];
            s2 += x[xi + 2 * step] * y[yo + m + 2];
            s3 += x[xi + 3 * step] * y[yo + m + 3];
        }
        for (; m < len; m++) {
            s0 += x[xo + m * step] * y[yo + m];
        }
        return (s0 + s1) + (s2 + s3);
    }
}
