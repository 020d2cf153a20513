package org.micronet.kernels.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.micronet.kernels.FusedActivation;
import org.micronet.kernels.Parallel;
import org.micronet.kernels.api.PointwiseGroupedF32;

import java.util.Arrays;

import static org.micronet.kernels.simd.Lanes.F;
import static org.micronet.kernels.simd.Lanes.N;

/**
 * Grouped 1x1 convolution as one small GEMM per group: {@code [Cout/g x Cin/g] . [Cin/g x columns]},
 * the columns being every image's pixels. The output gradient to the input is the same product with
 * the transposed weight (read through strides, no copy); the weight gradient is a block of dot
 * products over the columns.
 *
 * <p>The product is register-blocked as 4 output rows x 4 pixel vectors (16 accumulators, kept over
 * the whole reduction; each output is stored once). Partial blocks repeat their last row or vector
 * and store the same values twice instead of running remainder code, and a plane that is not a
 * whole number of vectors ends with a vector overlapping its predecessor: no scalar tails, and
 * blocks of vectors span image boundaries, so 16-pixel planes still fill all 4 vectors.
 *
 * <p>Planes shorter than a vector (the 4x4, 2x2 and 1x1 planes of training at 32x32 input) are
 * first packed, per channel, into rows of all images' pixels ({@code [c][n*hw]}, zero-padded to
 * whole vectors) in caller scratch, multiplied there and unpacked: at batch 128 the rows are 128 to
 * 512 columns long, so the vectors are full. The copies (about 1 ns a float) then take most of the
 * time: measured on one core, these shapes run at 7-19 GFLOP/s against 40-100 for unpacked planes.
 *
 * <p>ND4J's sgemm (OpenBLAS via {@code Nd4j.gemm}, one call per group, batch folded into the
 * columns) was measured as the alternative for large planes and is used for no shape: the gemm
 * calls alone, on views built beforehand, took 5-60 times as long as this kernel on every M0 shape
 * (224x224 batch 1, 16->8 in 2 groups at 56x56: 0.040 ms against 0.0045), the whole ND4J path with
 * its permuted copies 10-500 times. With Cin/g = 4..32 the products are small and memory-bound, and
 * each BLAS call costs microseconds of fixed overhead ({@code PointwiseGroupedBench}).
 */
public final class PointwiseGroupedF32Vec implements PointwiseGroupedF32 {
    /** N zeros, then N ones: loaded at offset t, a vector whose last t lanes are one. */
    private static final float[] RAMP = new float[2 * N];
    /** Pixel vectors per parallel task in the unpacked product: enough to fill several 4-vector blocks. */
    private static final int VECTORS_PER_TASK = 32;

    static {
        Arrays.fill(RAMP, N, 2 * N, 1f);
    }

    @Override
    public int scratchFloats(int n, int cin, int cout, int groups, int hw) {
        return packed(hw) ? Math.toIntExact((long) paddedColumns(n, hw) * (cout + 2L * cin)) : 0;
    }

    @Override
    public void forward(float[] x, float[] w, float[] bias, FusedActivation act, float[] y, float[] scratch,
                        int n, int cin, int cout, int groups, int hw) {
        int cig = cin / groups;
        multiply(w, cig, 1, cout / groups, cig, x, cin, y, cout, scratch, n, groups, hw, bias, act);
    }

    /**
     * Scratch when packed: the packed {@code dy}, then the packed {@code dx}, then the packed
     * {@code x}, each {@code channels x paddedColumns}.
     */
    @Override
    public void backward(float[] x, float[] w, float[] dy, float[] dx, float[] dw, float[] scratch,
                         int n, int cin, int cout, int groups, int hw) {
        int cig = cin / groups;
        int cog = cout / groups;
        multiply(w, 1, cig, cig, cog, dy, cout, dx, cin, scratch, n, groups, hw, null, FusedActivation.NONE);
        int blocks = (cog + 3) / 4;
        if (packed(hw)) {
            int jp = paddedColumns(n, hw);
            int xp = (cout + cin) * jp;
            Parallel.forEach(groups, g -> pack(x, g * cig * hw, cin * hw, scratch, xp + g * cig * jp, jp, cig, n, hw));
            Parallel.forEach(groups * blocks, t -> {
                int g = t / blocks;
                dots(scratch, g * cog * jp, 0, jp, (t % blocks) * 4, cog,
                        scratch, xp + g * cig * jp, 0, jp, cig, dw, g * cog * cig, cig, 1, jp);
            });
        } else {
            Parallel.forEach(groups * blocks, t -> {
                int g = t / blocks;
                dots(dy, g * cog * hw, cout * hw, hw, (t % blocks) * 4, cog,
                        x, g * cig * hw, cin * hw, hw, cig, dw, g * cog * cig, cig, n, hw);
            });
        }
    }

    private static boolean packed(int hw) {
        return hw < N;
    }

    /**
     * Row length of the packed layout: the batch's pixels rounded up to an odd number of vectors.
     * n*hw is mostly a power of two, and rows that far apart would share a few cache sets.
     */
    private static int paddedColumns(int n, int hw) {
        return Math.toIntExact((((long) n * hw + N - 1) / N | 1) * N);
    }

    /**
     * {@code dst[b][g*rows + r] = sum_k W_g[r][k] src[b][g*depth + k]} (planes of hw) for every
     * image b and group g, with {@code W_g[r][k] = w[g*rows*depth + r*wRs + k*wKs]}, then bias
     * (null: none) and activation, per task while its part of dst is in cache. Packed, the
     * scratch holds the packed src and then the packed dst.
     */
    private static void multiply(float[] w, int wRs, int wKs, int rows, int depth,
                                 float[] src, int srcC, float[] dst, int dstC, float[] scratch,
                                 int n, int groups, int hw, float[] bias, FusedActivation act) {
        if (packed(hw)) {
            int jp = paddedColumns(n, hw);
            int dp = srcC * jp;
            Parallel.forEach(groups, g -> {
                pack(src, g * depth * hw, srcC * hw, scratch, g * depth * jp, jp, depth, n, hw);
                gemm(w, g * rows * depth, wRs, wKs, rows, depth, scratch, g * depth * jp, 0, jp,
                        scratch, dp + g * rows * jp, 0, jp, jp, 0, 1);
                copyPlanes(scratch, dp + g * rows * jp, hw, jp, dst, g * rows * hw, dstC * hw, hw, rows, n, hw);
                biasAndActivation(dst, bias, act, dstC, hw, g * rows, (g + 1) * rows, 0, n);
            });
        } else {
            int perTask = Math.min(n, Math.max(1, VECTORS_PER_TASK / ((hw + N - 1) / N)));
            int chunks = (n + perTask - 1) / perTask;
            Parallel.forEach(groups * chunks, t -> {
                int g = t / chunks;
                int m0 = t % chunks * perTask;
                gemm(w, g * rows * depth, wRs, wKs, rows, depth, src, g * depth * hw, srcC * hw, hw,
                        dst, g * rows * hw, dstC * hw, hw, hw, m0, Math.min(n, m0 + perTask));
                biasAndActivation(dst, bias, act, dstC, hw, g * rows, (g + 1) * rows, m0, Math.min(n, m0 + perTask));
            });
        }
    }

    /** Channels [c0, c1) of images [b0, b1) of y ([n][channels][hw]) gain their bias (null: none), then act. */
    private static void biasAndActivation(float[] y, float[] bias, FusedActivation act, int channels, int hw, int c0,
                                          int c1, int b0, int b1) {
        if (bias == null && act == FusedActivation.NONE) {
            return;
        }
        int bound = F.loopBound(hw);
        for (int b = b0; b < b1; b++) {
            for (int c = c0; c < c1; c++) {
                int at = (b * channels + c) * hw;
                if (bias != null) {
                    FloatVector v = FloatVector.broadcast(F, bias[c]);
                    int p = 0;
                    for (; p < bound; p += N) {
                        FloatVector.fromArray(F, y, at + p).add(v).intoArray(y, at + p);
                    }
                    for (; p < hw; p++) {
                        y[at + p] += bias[c];
                    }
                }
                ActivationLanes.apply(y, at, at + hw, act);
            }
        }
    }

    /**
     * Channels {@code [0, channels)} of {@code src} (image stride srcImg, channel stride hw) into
     * rows of {@code jp} columns at {@code p[pOff]}: image b's pixels at columns b*hw, the padding zero.
     */
    private static void pack(float[] src, int srcOff, int srcImg, float[] p, int pOff, int jp,
                             int channels, int n, int hw) {
        copyPlanes(src, srcOff, srcImg, hw, p, pOff, hw, jp, channels, n, hw);
        for (int c = 0; c < channels; c++) {
            Arrays.fill(p, pOff + c * jp + n * hw, pOff + (c + 1) * jp, 0f);
        }
    }

    /** Copies the hw-float plane of every channel and image between two layouts given by their strides. */
    private static void copyPlanes(float[] src, int sOff, int sImg, int sCh, float[] dst, int dOff, int dImg, int dCh,
                                   int channels, int n, int hw) {
        for (int b = 0; b < n; b++) {
            int s = sOff + b * sImg;
            int d = dOff + b * dImg;
            if (hw == 1) {
                // a transposition: a one-trip plane loop per element costs four times the copy
                for (int c = 0; c < channels; c++) {
                    dst[d + c * dCh] = src[s + c * sCh];
                }
            } else {
                for (int c = 0; c < channels; c++) {
                    int sc = s + c * sCh;
                    int dc = d + c * dCh;
                    for (int q = 0; q < hw; q++) {
                        dst[dc + q] = src[sc + q];
                    }
                }
            }
        }
    }

    /**
     * {@code C = A . B} for images {@code [m0, m1)}: A is rows x depth ({@code A[r][k] = a[aOff + r*aRs + k*aKs]}),
     * row k of image m's B starts at {@code bOff + m*bImg + k*bKs}, row r of its C at
     * {@code cOff + m*cImg + r*cRs}; each row has {@code cols >= N} columns.
     */
    private static void gemm(float[] a, int aOff, int aRs, int aKs, int rows, int depth,
                             float[] b, int bOff, int bImg, int bKs,
                             float[] c, int cOff, int cImg, int cRs, int cols, int m0, int m1) {
        int perImage = (cols + N - 1) / N;
        int last = m1 * perImage - 1;
        for (int s = m0 * perImage; s <= last; s += 4) {
            int s1 = Math.min(s + 1, last);
            int s2 = Math.min(s + 2, last);
            int s3 = Math.min(s + 3, last);
            int b0 = vectorAt(s, perImage, cols, bOff, bImg);
            int b1 = vectorAt(s1, perImage, cols, bOff, bImg);
            int b2 = vectorAt(s2, perImage, cols, bOff, bImg);
            int b3 = vectorAt(s3, perImage, cols, bOff, bImg);
            int c0 = vectorAt(s, perImage, cols, cOff, cImg);
            int c1 = vectorAt(s1, perImage, cols, cOff, cImg);
            int c2 = vectorAt(s2, perImage, cols, cOff, cImg);
            int c3 = vectorAt(s3, perImage, cols, cOff, cImg);
            for (int r = 0; r < rows; r += 4) {
                int r1 = Math.min(r + 1, rows - 1);
                int r2 = Math.min(r + 2, rows - 1);
                int r3 = Math.min(r + 3, rows - 1);
                int a0 = aOff + r * aRs;
                int a1 = aOff + r1 * aRs;
                int a2 = aOff + r2 * aRs;
                int a3 = aOff + r3 * aRs;
                FloatVector acc00 = FloatVector.zero(F), acc01 = acc00, acc02 = acc00, acc03 = acc00;
                FloatVector acc10 = acc00, acc11 = acc00, acc12 = acc00, acc13 = acc00;
                FloatVector acc20 = acc00, acc21 = acc00, acc22 = acc00, acc23 = acc00;
                FloatVector acc30 = acc00, acc31 = acc00, acc32 = acc00, acc33 = acc00;
                for (int k = 0; k < depth; k++) {
                    int bk = k * bKs;
                    int ak = k * aKs;
                    FloatVector x0 = FloatVector.fromArray(F, b, b0 + bk);
                    FloatVector x1 = FloatVector.fromArray(F, b, b1 + bk);
                    FloatVector x2 = FloatVector.fromArray(F, b, b2 + bk);
                    FloatVector x3 = FloatVector.fromArray(F, b, b3 + bk);
                    // FMA is native on the CPUs this runs on (AVX-512 EPYC): no mul+add variant.
                    // Four rows spelt out on purpose: accumulators kept in an array, or passed to a
                    // helper that C2 does not inline, are boxed
                    FloatVector w = FloatVector.broadcast(F, a[a0 + ak]);
                    acc00 = x0.fma(w, acc00);
                    acc01 = x1.fma(w, acc01);
                    acc02 = x2.fma(w, acc02);
                    acc03 = x3.fma(w, acc03);
                    w = FloatVector.broadcast(F, a[a1 + ak]);
                    acc10 = x0.fma(w, acc10);
                    acc11 = x1.fma(w, acc11);
                    acc12 = x2.fma(w, acc12);
                    acc13 = x3.fma(w, acc13);
                    w = FloatVector.broadcast(F, a[a2 + ak]);
                    acc20 = x0.fma(w, acc20);
                    acc21 = x1.fma(w, acc21);
                    acc22 = x2.fma(w, acc22);
                    acc23 = x3.fma(w, acc23);
                    w = FloatVector.broadcast(F, a[a3 + ak]);
                    acc30 = x0.fma(w, acc30);
                    acc31 = x1.fma(w, acc31);
                    acc32 = x2.fma(w, acc32);
                    acc33 = x3.fma(w, acc33);
                }
                int o0 = r * cRs;
                int o1 = r1 * cRs;
                int o2 = r2 * cRs;
                int o3 = r3 * cRs;
                acc00.intoArray(c, c0 + o0);
                acc01.intoArray(c, c1 + o0);
                acc02.intoArray(c, c2 + o0);
                acc03.intoArray(c, c3 + o0);
                acc10.intoArray(c, c0 + o1);
                acc11.intoArray(c, c1 + o1);
                acc12.intoArray(c, c2 + o1);
                acc13.intoArray(c, c3 + o1);
                acc20.intoArray(c, c0 + o2);
                acc21.intoArray(c, c1 + o2);
                acc22.intoArray(c, c2 + o2);
                acc23.intoArray(c, c3 + o2);
                acc30.intoArray(c, c0 + o3);
                acc31.intoArray(c, c1 + o3);
                acc32.intoArray(c, c2 + o3);
                acc33.intoArray(c, c3 + o3);
            }
        }
    }

    /** Offset of pixel vector s (counted over images, perImage each, the last one overlapping). */
    private static int vectorAt(int s, int perImage, int cols, int off, int imgStride) {
        int m = s / perImage;
        return off + m * imgStride + Math.min((s - m * perImage) * N, cols - N);
    }

    /**
     * {@code c[cOff + r*cRs + s] = sum over images and columns of A[r] * B[s]} for the A rows
     * {@code r0 .. r0+3} (below {@code rows}) and every B row s. Row r of image m's A starts at
     * {@code aOff + m*aImg + r*aRs}, likewise B; rows have {@code cols >= N} columns. The overlapping
     * last vector of a row is weighted by {@link #RAMP} so that no column counts twice.
     */
    private static void dots(float[] a, int aOff, int aImg, int aRs, int r0, int rows,
                             float[] b, int bOff, int bImg, int bRs, int bRows,
                             float[] c, int cOff, int cRs, int images, int cols) {
        int r1 = Math.min(r0 + 1, rows - 1);
        int r2 = Math.min(r0 + 2, rows - 1);
        int r3 = Math.min(r0 + 3, rows - 1);
        int steps = (cols + N - 1) / N;
        FloatVector ramp = FloatVector.fromArray(F, RAMP, cols % N);
        for (int s = 0; s < bRows; s += 4) {
            int s1 = Math.min(s + 1, bRows - 1);
            int s2 = Math.min(s + 2, bRows - 1);
            int s3 = Math.min(s + 3, bRows - 1);
            FloatVector acc00 = FloatVector.zero(F), acc01 = acc00, acc02 = acc00, acc03 = acc00;
            FloatVector acc10 = acc00, acc11 = acc00, acc12 = acc00, acc13 = acc00;
            FloatVector acc20 = acc00, acc21 = acc00, acc22 = acc00, acc23 = acc00;
            FloatVector acc30 = acc00, acc31 = acc00, acc32 = acc00, acc33 = acc00;
            // one loop over every image's vectors: C2 (JDK 17) boxes accumulators carried through nested loops
            int ai = aOff;
            int bi = bOff;
            int q = 0;
            for (int t = images * steps; t > 0; t--) {
                int p = Math.min(q * N, cols - N);
                FloatVector u0 = FloatVector.fromArray(F, a, ai + r0 * aRs + p);
                FloatVector u1 = FloatVector.fromArray(F, a, ai + r1 * aRs + p);
                FloatVector u2 = FloatVector.fromArray(F, a, ai + r2 * aRs + p);
                FloatVector u3 = FloatVector.fromArray(F, a, ai + r3 * aRs + p);
                if (p != q * N) {
                    u0 = u0.mul(ramp);
                    u1 = u1.mul(ramp);
                    u2 = u2.mul(ramp);
                    u3 = u3.mul(ramp);
                }
                FloatVector v = FloatVector.fromArray(F, b, bi + s * bRs + p);
                acc00 = u0.fma(v, acc00);
                acc10 = u1.fma(v, acc10);
                acc20 = u2.fma(v, acc20);
                acc30 = u3.fma(v, acc30);
                v = FloatVector.fromArray(F, b, bi + s1 * bRs + p);
                acc01 = u0.fma(v, acc01);
                acc11 = u1.fma(v, acc11);
                acc21 = u2.fma(v, acc21);
                acc31 = u3.fma(v, acc31);
                v = FloatVector.fromArray(F, b, bi + s2 * bRs + p);
                acc02 = u0.fma(v, acc02);
                acc12 = u1.fma(v, acc12);
                acc22 = u2.fma(v, acc22);
                acc32 = u3.fma(v, acc32);
                v = FloatVector.fromArray(F, b, bi + s3 * bRs + p);
                acc03 = u0.fma(v, acc03);
                acc13 = u1.fma(v, acc13);
                acc23 = u2.fma(v, acc23);
                acc33 = u3.fma(v, acc33);
                if (++q == steps) {
                    q = 0;
                    ai += aImg;
                    bi += bImg;
                }
            }
            int o0 = cOff + r0 * cRs;
            int o1 = cOff + r1 * cRs;
            int o2 = cOff + r2 * cRs;
            int o3 = cOff + r3 * cRs;
            c[o0 + s] = acc00.reduceLanes(VectorOperators.ADD);
            c[o0 + s1] = acc01.reduceLanes(VectorOperators.ADD);
            c[o0 + s2] = acc02.reduceLanes(VectorOperators.ADD);
            c[o0 + s3] = acc03.reduceLanes(VectorOperators.ADD);
            c[o1 + s] = acc10.reduceLanes(VectorOperators.ADD);
            c[o1 + s1] = acc11.reduceLanes(VectorOperators.ADD);
            c[o1 + s2] = acc12.reduceLanes(VectorOperators.ADD);
            c[o1 + s3] = acc13.reduceLanes(VectorOperators.ADD);
            c[o2 + s] = acc20.reduceLanes(VectorOperators.ADD);
            c[o2 + s1] = acc21.reduceLanes(VectorOperators.ADD);
            c[o2 + s2] = acc22.reduceLanes(VectorOperators.ADD);
            c[o2 + s3] = acc23.reduceLanes(VectorOperators.ADD);
            c[o3 + s] = acc30.reduceLanes(VectorOperators.ADD);
            c[o3 + s1] = acc31.reduceLanes(VectorOperators.ADD);
            c[o3 + s2] = acc32.reduceLanes(VectorOperators.ADD);
            c[o3 + s3] = acc33.reduceLanes(VectorOperators.ADD);
        }
    }
}
