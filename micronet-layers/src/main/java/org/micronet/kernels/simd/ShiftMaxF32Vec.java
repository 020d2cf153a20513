package org.micronet.kernels.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;
import org.micronet.kernels.Parallel;
import org.micronet.kernels.api.ShiftMaxF32;

import java.util.Arrays;

import static jdk.incubator.vector.VectorOperators.ADD;
import static jdk.incubator.vector.VectorOperators.EQ;
import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.LT;

/**
 * Dynamic Shift-Max on the Vector API. Planes are processed whole: the fusion of K = J = 2
 * (the paper's setting) keeps both fusions in registers; other K, J take the running maximum
 * in the output. Every fusion value is computed as {@code fma(x_{J-1}, a_{J-1}, ... fma(x_1,
 * a_1, x_0 * a_0))} in vector, tail and backward code alike, so the backward pass finds the
 * same winner as the forward pass; ties go to the first fusion, as in the reference.
 *
 * <p>The hyper-function runs in float too: at the training shapes (planes of 1 to 64 pixels)
 * its FC(s, K*J*C) costs more than the fusion itself.
 */
public final class ShiftMaxF32Vec implements ShiftMaxF32 {
    private static final VectorSpecies<Float> F = Lanes.F;
    private static final int N = Lanes.N;

    @Override
    public void coefficients(Config cfg, int n, int hw, float[] x, float[][] params, float[] state, float[] work) {
        if (!cfg.dynamic()) {
            int c = cfg.channels();
            float[] learned = params[0];
            for (int i = 0; i < cfg.coefficientCount(); i++) {
                state[i] = (float) (learned[i] + cfg.offsets()[i / c]);
            }
            return;
        }
        // FC1 runs as dot products along C: w1 [C][s] is transposed once per call
        transpose(params[0], 0, cfg.channels(), cfg.squeeze(), work, 0);
        Parallel.forEach(n, b -> hyper(cfg, b, n, hw, x, work, params[1], params[2], params[3], state));
    }

    private static void hyper(Config cfg, int b, int n, int hw, float[] x, float[] w1t, float[] b1, float[] w2,
                              float[] b2, float[] st) {
        int c = cfg.channels(), s = cfg.squeeze(), q = cfg.coefficientCount();
        int pooled = b * c, hidden = cfg.hiddenAt(n) + b * s, z = cfg.preSigmoidAt(n) + b * q;
        int coef = cfg.coefAt(n) + b * q;
        for (int ch = 0; ch < c; ch++) {
            st[pooled + ch] = sum(x, (b * c + ch) * hw, hw) / hw;
        }
        for (int t = 0; t < s; t++) {
            st[hidden + t] = Math.max(0f, b1[t] + dot(st, pooled, w1t, t * c, c));
        }
        int bound = F.loopBound(q);
        for (int i = 0; i < bound; i += N) {
            FloatVector acc = FloatVector.fromArray(F, b2, i);
            for (int t = 0; t < s; t++) {
                acc = FloatVector.broadcast(F, st[hidden + t]).fma(FloatVector.fromArray(F, w2, t * q + i), acc);
            }
            acc.intoArray(st, z + i);
        }
        for (int i = bound; i < q; i++) {
            float acc = b2[i];
            for (int t = 0; t < s; t++) {
                acc = Math.fma(st[hidden + t], w2[t * q + i], acc);
            }
            st[z + i] = acc;
        }
        float twoMax = (float) (2 * cfg.actMax());
        for (int kj = 0; kj < cfg.offsets().length; kj++) {
            float off = (float) cfg.offsets()[kj];
            int from = kj * c, end = from + c, vEnd = from + F.loopBound(c);
            int i = from;
            for (; i < vEnd; i += N) {
                FloatVector hs = FloatVector.fromArray(F, st, z + i).add(3f).max(0f).min(6f).div(6f);
                hs.sub(0.5f).mul(twoMax).add(off).intoArray(st, coef + i);
            }
            for (; i < end; i++) {
                st[coef + i] = (Math.min(6f, Math.max(0f, st[z + i] + 3f)) / 6f - 0.5f) * twoMax + off;
            }
        }
    }

    @Override
    public void fuse(Config cfg, int n, int hw, float[] x, float[] state, float[] y) {
        Parallel.forEach(n, b -> {
            for (int ch = 0; ch < cfg.channels(); ch++) {
                fusePlane(cfg, n, hw, b, ch, x, state, y);
            }
        });
    }

    private static void fusePlane(Config cfg, int n, int hw, int b, int ch, float[] x, float[] st, float[] y) {
        int c = cfg.channels(), step = cfg.shifts() * c;
        int a = cfg.coefAt(n) + b * cfg.coefStride() + ch;
        int out = (b * c + ch) * hw, bound = F.loopBound(hw);
        if (cfg.fusions() == 2 && cfg.shifts() == 2) {
            int s0 = source(cfg, b, ch, 0, hw), s1 = source(cfg, b, ch, 1, hw);
            FloatVector a00 = FloatVector.broadcast(F, st[a]), a01 = FloatVector.broadcast(F, st[a + c]);
            FloatVector a10 = FloatVector.broadcast(F, st[a + step]), a11 = FloatVector.broadcast(F, st[a + step + c]);
            for (int p = 0; p < bound; p += N) {
                FloatVector x0 = FloatVector.fromArray(F, x, s0 + p), x1 = FloatVector.fromArray(F, x, s1 + p);
                FloatVector v0 = x1.fma(a01, x0.mul(a00)), v1 = x1.fma(a11, x0.mul(a10));
                v0.blend(v1, v1.compare(GT, v0)).intoArray(y, out + p);
            }
        } else {
            for (int k = 0; k < cfg.fusions(); k++) {
                for (int p = 0; p < bound; p += N) {
                    FloatVector v = fusion(cfg, x, st, a + k * step, b, ch, hw, p);
                    if (k > 0) {
                        FloatVector best = FloatVector.fromArray(F, y, out + p);
                        v = best.blend(v, v.compare(GT, best));
                    }
                    v.intoArray(y, out + p);
                }
            }
        }
        for (int p = bound; p < hw; p++) {
            float best = fusionAt(cfg, x, st, a, b, ch, hw, p);
            for (int k = 1; k < cfg.fusions(); k++) {
                float v = fusionAt(cfg, x, st, a + k * step, b, ch, hw, p);
                if (v > best) {
                    best = v;
                }
            }
            y[out + p] = best;
        }
    }

    /** Start of the plane that shifted copy j of channel ch reads. */
    private static int source(Config cfg, int b, int ch, int j, int hw) {
        return (b * cfg.channels() + cfg.shiftMaps()[j][ch]) * hw;
    }

    /** One fusion at pixels p..p+N-1; coefficient j at {@code ak + j*C}. */
    private static FloatVector fusion(Config cfg, float[] x, float[] st, int ak, int b, int ch, int hw, int p) {
        int c = cfg.channels();
        FloatVector v = FloatVector.fromArray(F, x, source(cfg, b, ch, 0, hw) + p).mul(st[ak]);
        for (int j = 1; j < cfg.shifts(); j++) {
            v = FloatVector.fromArray(F, x, source(cfg, b, ch, j, hw) + p)
                    .fma(FloatVector.broadcast(F, st[ak + j * c]), v);
        }
        return v;
    }

    private static float fusionAt(Config cfg, float[] x, float[] st, int ak, int b, int ch, int hw, int p) {
        int c = cfg.channels();
        float v = x[source(cfg, b, ch, 0, hw) + p] * st[ak];
        for (int j = 1; j < cfg.shifts(); j++) {
            v = Math.fma(x[source(cfg, b, ch, j, hw) + p], st[ak + j * c], v);
        }
        return v;
    }

    @Override
    public void backward(Config cfg, int n, int hw, float[] x, float[] dy, float[][] params, float[] st,
                         float[] work, float[] dx, float[][] grads) {
        int c = cfg.channels(), s = cfg.squeeze(), q = cfg.coefficientCount();
        // work: w1 transposed [s][C], gw1 transposed [s][C], dcoef then dz [n][q], dh [n][s],
        // dpool [n][C], the winning fusion per pixel [n][hw]
        int gw1t = s * c, dz = 2 * s * c, dh = dz + n * q, dpool = dh + n * s, win = dpool + n * c;
        if (cfg.dynamic()) {
            transpose(params[0], 0, c, s, work, 0);
        }
        Parallel.forEach(n, b -> {
            Arrays.fill(dx, b * c * hw, (b + 1) * c * hw, 0f);
            for (int ch = 0; ch < c; ch++) {
                backwardPlane(cfg, n, hw, b, ch, x, dy, st, work, dz + b * q + ch, win + b * hw, dx);
            }
            if (cfg.dynamic()) {
                hyperBackward(cfg, n, hw, b, params[2], st, work, dz + b * q, dh + b * s, dpool + b * c, dx);
            }
        });
        if (!cfg.dynamic()) {
            sumRows(work, dz, n, q, grads[0]);
            return;
        }
        sumRows(work, dz, n, q, grads[3]);
        weightedRows(st, cfg.hiddenAt(n), s, work, dz, n, q, grads[2], 0);
        sumRows(work, dh, n, s, grads[1]);
        weightedRows(work, dh, s, st, 0, n, c, work, gw1t);
        transpose(work, gw1t, s, c, grads[0], 0);
    }

    /**
     * dx (scattered through the shift maps) and the plane's coefficient gradients, written to
     * {@code g[dc + (k*J + j)*C]}; {@code win} holds one plane of winning fusions.
     */
    private static void backwardPlane(Config cfg, int n, int hw, int b, int ch, float[] x, float[] dy, float[] st,
                                      float[] g, int dc, int win, float[] dx) {
        int c = cfg.channels(), shifts = cfg.shifts(), step = shifts * c;
        int a = cfg.coefAt(n) + b * cfg.coefStride() + ch;
        int out = (b * c + ch) * hw, bound = F.loopBound(hw);
        if (bound == 0) {
            for (int kj = 0; kj < cfg.offsets().length; kj++) {
                g[dc + kj * c] = 0f;
            }
        } else if (cfg.fusions() == 2 && shifts == 2) {
            int s0 = source(cfg, b, ch, 0, hw), s1 = source(cfg, b, ch, 1, hw);
            FloatVector a00 = FloatVector.broadcast(F, st[a]), a01 = FloatVector.broadcast(F, st[a + c]);
            FloatVector a10 = FloatVector.broadcast(F, st[a + step]), a11 = FloatVector.broadcast(F, st[a + step + c]);
            FloatVector zero = FloatVector.zero(F), g00 = zero, g01 = zero, g10 = zero, g11 = zero;
            for (int p = 0; p < bound; p += N) {
                FloatVector x0 = FloatVector.fromArray(F, x, s0 + p), x1 = FloatVector.fromArray(F, x, s1 + p);
                FloatVector d = FloatVector.fromArray(F, dy, out + p);
                VectorMask<Float> second = x1.fma(a11, x0.mul(a10)).compare(GT, x1.fma(a01, x0.mul(a00)));
                FloatVector d0 = d.blend(0f, second), d1 = zero.blend(d, second);
                g00 = d0.fma(x0, g00);
                g01 = d0.fma(x1, g01);
                g10 = d1.fma(x0, g10);
                g11 = d1.fma(x1, g11);
                // s0 and s1 may be the same plane: finish one update before reading for the other
                a00.blend(a10, second).fma(d, FloatVector.fromArray(F, dx, s0 + p)).intoArray(dx, s0 + p);
                a01.blend(a11, second).fma(d, FloatVector.fromArray(F, dx, s1 + p)).intoArray(dx, s1 + p);
            }
            g[dc] = g00.reduceLanes(ADD);
            g[dc + c] = g01.reduceLanes(ADD);
            g[dc + step] = g10.reduceLanes(ADD);
            g[dc + step + c] = g11.reduceLanes(ADD);
        } else {
            boolean several = cfg.fusions() > 1;
            if (several) {
                for (int p = 0; p < bound; p += N) {
                    FloatVector best = fusion(cfg, x, st, a, b, ch, hw, p), winner = FloatVector.zero(F);
                    for (int k = 1; k < cfg.fusions(); k++) {
                        FloatVector v = fusion(cfg, x, st, a + k * step, b, ch, hw, p);
                        VectorMask<Float> m = v.compare(GT, best);
                        best = best.blend(v, m);
                        winner = winner.blend((float) k, m);
                    }
                    winner.intoArray(g, win + p);
                }
            }
            for (int k = 0; k < cfg.fusions(); k++) {
                for (int j = 0; j < shifts; j++) {
                    int sj = source(cfg, b, ch, j, hw);
                    FloatVector akj = FloatVector.broadcast(F, st[a + k * step + j * c]);
                    FloatVector zero = FloatVector.zero(F), acc = zero;
                    for (int p = 0; p < bound; p += N) {
                        FloatVector d = FloatVector.fromArray(F, dy, out + p);
                        if (several) {
                            d = zero.blend(d, FloatVector.fromArray(F, g, win + p).compare(EQ, (float) k));
                        }
                        acc = d.fma(FloatVector.fromArray(F, x, sj + p), acc);
                        d.fma(akj, FloatVector.fromArray(F, dx, sj + p)).intoArray(dx, sj + p);
                    }
                    g[dc + k * step + j * c] = acc.reduceLanes(ADD);
                }
            }
        }
        for (int p = bound; p < hw; p++) {
            int k = 0;
            float best = fusionAt(cfg, x, st, a, b, ch, hw, p);
            for (int kk = 1; kk < cfg.fusions(); kk++) {
                float v = fusionAt(cfg, x, st, a + kk * step, b, ch, hw, p);
                if (v > best) {
                    best = v;
                    k = kk;
                }
            }
            float d = dy[out + p];
            for (int j = 0; j < shifts; j++) {
                int at = source(cfg, b, ch, j, hw) + p, kj = k * step + j * c;
                g[dc + kj] = Math.fma(d, x[at], g[dc + kj]);
                dx[at] = Math.fma(d, st[a + kj], dx[at]);
            }
        }
    }

    /**
     * One image's way back through the hyper-function: dcoef becomes dz in place, then dh, and
     * dx gains each plane's share of d(pooled).
     */
    private static void hyperBackward(Config cfg, int n, int hw, int b, float[] w2, float[] st, float[] work,
                                      int dz, int dh, int dpool, float[] dx) {
        int c = cfg.channels(), s = cfg.squeeze(), q = cfg.coefficientCount();
        int z = cfg.preSigmoidAt(n) + b * q, hidden = cfg.hiddenAt(n) + b * s;
        float slope = (float) (2 * cfg.actMax() / 6);
        int bound = F.loopBound(q);
        for (int i = 0; i < bound; i += N) {
            FloatVector zv = FloatVector.fromArray(F, st, z + i);
            VectorMask<Float> linear = zv.compare(GT, -3f).and(zv.compare(LT, 3f));
            FloatVector.fromArray(F, work, dz + i).mul(slope).blend(0f, linear.not()).intoArray(work, dz + i);
        }
        for (int i = bound; i < q; i++) {
            float zi = st[z + i];
            work[dz + i] = zi > -3f && zi < 3f ? work[dz + i] * slope : 0f;
        }
        for (int t = 0; t < s; t++) {
            work[dh + t] = st[hidden + t] > 0f ? dot(w2, t * q, work, dz, q) : 0f;
        }
        // d(pooled) along C from the transposed w1 at the start of work
        int cBound = F.loopBound(c);
        for (int ch = 0; ch < cBound; ch += N) {
            FloatVector acc = FloatVector.zero(F);
            for (int t = 0; t < s; t++) {
                acc = FloatVector.broadcast(F, work[dh + t]).fma(FloatVector.fromArray(F, work, t * c + ch), acc);
            }
            acc.intoArray(work, dpool + ch);
        }
        for (int ch = cBound; ch < c; ch++) {
            float acc = 0f;
            for (int t = 0; t < s; t++) {
                acc = Math.fma(work[dh + t], work[t * c + ch], acc);
            }
            work[dpool + ch] = acc;
        }
        int pBound = F.loopBound(hw);
        for (int ch = 0; ch < c; ch++) {
            float share = work[dpool + ch] / hw;
            int off = (b * c + ch) * hw;
            FloatVector sv = FloatVector.broadcast(F, share);
            for (int p = 0; p < pBound; p += N) {
                FloatVector.fromArray(F, dx, off + p).add(sv).intoArray(dx, off + p);
            }
            for (int p = pBound; p < hw; p++) {
                dx[off + p] += share;
            }
        }
    }

    private static float sum(float[] a, int off, int len) {
        int bound = F.loopBound(len);
        float s = 0f;
        if (bound > 0) {
            FloatVector acc = FloatVector.fromArray(F, a, off);
            for (int i = N; i < bound; i += N) {
                acc = acc.add(FloatVector.fromArray(F, a, off + i));
            }
            s = acc.reduceLanes(ADD);
        }
        for (int i = bound; i < len; i++) {
            s += a[off + i];
        }
        return s;
    }

    private static float dot(float[] a, int aOff, float[] b, int bOff, int len) {
        int bound = F.loopBound(len);
        float s = 0f;
        if (bound > 0) {
            FloatVector acc = FloatVector.zero(F);
            for (int i = 0; i < bound; i += N) {
                acc = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc);
            }
            s = acc.reduceLanes(ADD);
        }
        for (int i = bound; i < len; i++) {
            s = Math.fma(a[aOff + i], b[bOff + i], s);
        }
        return s;
    }

    /** {@code out[i] = sum_r src[off + r*width + i]}, i < width. */
    private static void sumRows(float[] src, int off, int rows, int width, float[] out) {
        int bound = F.loopBound(width);
        for (int i = 0; i < bound; i += N) {
            FloatVector acc = FloatVector.zero(F);
            for (int r = 0; r < rows; r++) {
                acc = acc.add(FloatVector.fromArray(F, src, off + r * width + i));
            }
            acc.intoArray(out, i);
        }
        for (int i = bound; i < width; i++) {
            float acc = 0f;
            for (int r = 0; r < rows; r++) {
                acc += src[off + r * width + i];
            }
            out[i] = acc;
        }
    }

    /**
     * {@code out[outOff + t*width + i] = sum_r w[wOff + r*wt + t] * src[srcOff + r*width + i]} for
     * t < wt: four rows t per pass over src, so src is read wt/4 times rather than wt times.
     */
    private static void weightedRows(float[] w, int wOff, int wt, float[] src, int srcOff, int rows, int width,
                                     float[] out, int outOff) {
        int bound = F.loopBound(width);
        Parallel.forEach((wt + 3) / 4, block -> {
            // a last block with fewer than four rows repeats its last row, which writes the same values
            int t0 = 4 * block, t1 = Math.min(t0 + 1, wt - 1), t2 = Math.min(t0 + 2, wt - 1), t3 = Math.min(t0 + 3, wt - 1);
            for (int i = 0; i < bound; i += N) {
                FloatVector r0 = FloatVector.zero(F), r1 = r0, r2 = r0, r3 = r0;
                for (int r = 0; r < rows; r++) {
                    FloatVector v = FloatVector.fromArray(F, src, srcOff + r * width + i);
                    int wr = wOff + r * wt;
                    r0 = FloatVector.broadcast(F, w[wr + t0]).fma(v, r0);
                    r1 = FloatVector.broadcast(F, w[wr + t1]).fma(v, r1);
                    r2 = FloatVector.broadcast(F, w[wr + t2]).fma(v, r2);
                    r3 = FloatVector.broadcast(F, w[wr + t3]).fma(v, r3);
                }
                r0.intoArray(out, outOff + t0 * width + i);
                r1.intoArray(out, outOff + t1 * width + i);
                r2.intoArray(out, outOff + t2 * width + i);
                r3.intoArray(out, outOff + t3 * width + i);
            }
            for (int t = t0; t <= t3; t++) {
                for (int i = bound; i < width; i++) {
                    float acc = 0f;
                    for (int r = 0; r < rows; r++) {
                        acc = Math.fma(w[wOff + r * wt + t], src[srcOff + r * width + i], acc);
                    }
                    out[outOff + t * width + i] = acc;
                }
            }
        });
    }

    /** {@code dst[dstOff + col*rows + row] = src[srcOff + row*cols + col]}. */
    private static void transpose(float[] src, int srcOff, int rows, int cols, float[] dst, int dstOff) {
        for (int row = 0; row < rows; row++) {
            for (int col = 0; col < cols; col++) {
                dst[dstOff + col * rows + row] = src[srcOff + row * cols + col];
            }
        }
    }
}
