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
 * Dynamic Shift-Max on the Vector API.
 *
 * <p>The fusion runs in strips of vectors. Planes of at least one vector are strips along their
 * pixels, with the coefficients broadcast. Smaller planes (the training shapes have 1 to 64
 * pixels) would leave the lanes mostly empty, so there each image's shifted copies are gathered
 * into pixel-major scratch {@code [hw][C]} and the strips run along the channels, whose
 * coefficients are contiguous; channels beyond the last whole vector take a plane's scalar path.
 * J = 2 with K = 1 or 2, every Shift-Max of MicroNet M0-M3, keeps both fusions in registers
 * ({@link #pairs}); other J, K take the running maximum in memory.
 *
 * <p>Every fusion value is {@code fma(x_{J-1}, a_{J-1}, ... fma(x_1, a_1, x_0 * a_0))} in every
 * path, so the backward pass finds the same winner as the forward pass; ties go to the first
 * fusion, as in the reference. The hyper-function runs in float as well, its FC(s, K*J*C) four
 * images at a time: at the training shapes it costs more than the fusion.
 */
public final class ShiftMaxF32Vec implements ShiftMaxF32 {
    private static final VectorSpecies<Float> F = Lanes.F;
    private static final int N = Lanes.N;
    /** Images per pass over the hyper-function's W2 (a block of the FC(s, K*J*C) as a matrix product). */
    private static final int BLOCK = 4;

    /**
     * Work layout: w1 transposed [s][C], gw1 transposed [s][C], dcoef then dz [n][q], dh [n][s],
     * dpool [n][C], then per image: K*J broadcast coefficients and one vector's room, then either
     * one plane of winning fusions (large planes) or the pixel-major copies (J of x, one of dy or
     * y, J of dx) and a strip of winning fusions.
     */
    @Override
    public int workLength(Config cfg, int n, int hw) {
        int c = cfg.channels(), s = cfg.squeeze();
        return 2 * s * c + n * (cfg.coefficientCount() + s + c + perImage(cfg, hw));
    }

    private static int perImage(Config cfg, int hw) {
        int rows = (cfg.offsets().length + 1) * N;
        return rows + (hw >= N ? hw : (2 * cfg.shifts() + 1) * hw * cfg.channels() + hw * N);
    }

    private static int imagesAt(Config cfg, int n) {
        int c = cfg.channels(), s = cfg.squeeze();
        return 2 * s * c + n * (cfg.coefficientCount() + s + c);
    }

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
        // FC1 runs as dot products along C
        transpose(params[0], 0, cfg.channels(), cfg.squeeze(), work, 0);
        Parallel.forEach((n + BLOCK - 1) / BLOCK, block -> {
            int b0 = block * BLOCK, end = Math.min(n, b0 + BLOCK);
            for (int b = b0; b < end; b++) {
                hidden(cfg, n, hw, b, x, work, params[1], state);
            }
            preSigmoid(cfg, n, b0, end, params[2], params[3], state);
            for (int b = b0; b < end; b++) {
                hardSigmoid(cfg, n, b, state);
            }
        });
    }

    /** Pooled means, then hidden = relu(b1 + pooled . w1), with w1 transposed in w1t. */
    private static void hidden(Config cfg, int n, int hw, int b, float[] x, float[] w1t, float[] b1, float[] st) {
        int c = cfg.channels(), s = cfg.squeeze();
        int pooled = b * c, hidden = cfg.hiddenAt(n) + b * s;
        float inv = 1f / hw;
        if (hw >= N) {
            for (int ch = 0; ch < c; ch++) {
                st[pooled + ch] = sum(x, (b * c + ch) * hw, hw) * inv;
            }
        } else {
            // pixel by pixel across the channels: no loop of a few pixels per channel
            Arrays.fill(st, pooled, pooled + c, 0f);
            for (int p = 0; p < hw; p++) {
                for (int ch = 0; ch < c; ch++) {
                    st[pooled + ch] += x[(b * c + ch) * hw + p];
                }
            }
            for (int ch = 0; ch < c; ch++) {
                st[pooled + ch] *= inv;
            }
        }
        for (int t = 0; t < s; t++) {
            st[hidden + t] = Math.max(0f, b1[t] + dot(st, pooled, w1t, t * c, c));
        }
    }

    /**
     * z = b2 + hidden . w2 for images b0 .. end-1 (at most BLOCK): each load of w2 serves every
     * image of the block. A block of fewer images repeats its last one, which writes the same values.
     */
    private static void preSigmoid(Config cfg, int n, int b0, int end, float[] w2, float[] b2, float[] st) {
        int s = cfg.squeeze(), q = cfg.coefficientCount(), last = end - 1;
        int h0 = cfg.hiddenAt(n) + b0 * s, h1 = cfg.hiddenAt(n) + Math.min(b0 + 1, last) * s;
        int h2 = cfg.hiddenAt(n) + Math.min(b0 + 2, last) * s, h3 = cfg.hiddenAt(n) + Math.min(b0 + 3, last) * s;
        int z0 = cfg.preSigmoidAt(n) + b0 * q, z1 = cfg.preSigmoidAt(n) + Math.min(b0 + 1, last) * q;
        int z2 = cfg.preSigmoidAt(n) + Math.min(b0 + 2, last) * q, z3 = cfg.preSigmoidAt(n) + Math.min(b0 + 3, last) * q;
        int bound = F.loopBound(q);
        for (int i = 0; i < bound; i += N) {
            FloatVector a0 = FloatVector.fromArray(F, b2, i), a1 = a0, a2 = a0, a3 = a0;
            for (int t = 0; t < s; t++) {
                FloatVector w = FloatVector.fromArray(F, w2, t * q + i);
                a0 = FloatVector.broadcast(F, st[h0 + t]).fma(w, a0);
                a1 = FloatVector.broadcast(F, st[h1 + t]).fma(w, a1);
                a2 = FloatVector.broadcast(F, st[h2 + t]).fma(w, a2);
                a3 = FloatVector.broadcast(F, st[h3 + t]).fma(w, a3);
            }
            a0.intoArray(st, z0 + i);
            a1.intoArray(st, z1 + i);
            a2.intoArray(st, z2 + i);
            a3.intoArray(st, z3 + i);
        }
        for (int b = b0; b < end; b++) {
            int hidden = cfg.hiddenAt(n) + b * s, z = cfg.preSigmoidAt(n) + b * q;
            for (int i = bound; i < q; i++) {
                float acc = b2[i];
                for (int t = 0; t < s; t++) {
                    acc = Math.fma(st[hidden + t], w2[t * q + i], acc);
                }
                st[z + i] = acc;
            }
        }
    }

    /** coefficient = (hsigmoid(z) - 0.5) * 2 actMax + offset(k, j). */
    private static void hardSigmoid(Config cfg, int n, int b, float[] st) {
        int c = cfg.channels(), q = cfg.coefficientCount();
        int z = cfg.preSigmoidAt(n) + b * q, coef = cfg.coefAt(n) + b * q;
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
    public void fuse(Config cfg, int n, int hw, float[] x, float[] state, float[] work, float[] y) {
        int images = imagesAt(cfg, n), per = perImage(cfg, hw);
        Parallel.forEach(n, b -> {
            int from = 0;
            if (hw < N) {
                fuseAlongChannels(cfg, n, hw, b, x, state, work, images + b * per, y);
                from = F.loopBound(cfg.channels());
            }
            for (int ch = from; ch < cfg.channels(); ch++) {
                fusePlane(cfg, n, hw, b, ch, x, state, work, images + b * per, y);
            }
        });
    }

    /** One plane, lanes along its pixels; {@code w[t]} starts the image's scratch. */
    private static void fusePlane(Config cfg, int n, int hw, int b, int ch, float[] x, float[] st, float[] w, int t,
                                  float[] y) {
        int c = cfg.channels(), step = cfg.shifts() * c;
        int a = coefficients(cfg, n, b) + ch, out = (b * c + ch) * hw, bound = F.loopBound(hw);
        if (bound > 0) {
            broadcastCoefficients(cfg, st, a, w, t);
            fuseStrip(cfg, x, b * c * hw, 0, hw, ch, N, bound / N, w, t, N, y, out, w, t + cfg.offsets().length * N);
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

    /** Channels 0 .. loopBound(C)-1 of a small-plane image, lanes along the channels. */
    private static void fuseAlongChannels(Config cfg, int n, int hw, int b, float[] x, float[] st, float[] w, int t,
                                          float[] y) {
        int c = cfg.channels(), plane = hw * c, cBound = F.loopBound(c);
        int tmp = t + cfg.offsets().length * N, xt = tmp + N, yt = xt + cfg.shifts() * plane;
        int a = coefficients(cfg, n, b);
        gatherShifted(cfg, hw, b, x, w, xt);
        for (int ch = 0; ch < cBound; ch += N) {
            fuseStrip(cfg, w, xt + ch, plane, 0, ch, c, hw, st, a + ch, c, w, yt + ch, w, tmp);
        }
        for (int p = 0; p < hw; p++) {
            for (int ch = 0; ch < cBound; ch++) {
                y[(b * c + ch) * hw + p] = w[yt + p * c + ch];
            }
        }
    }

    /**
     * One strip of the fusion: {@code rows} vectors {@code stride} apart, lanes along the pixels
     * of plane ch or along channels ch..ch+N-1 of the pixel-major copies; copy j starts at
     * {@link #copyAt}. The lanes' coefficients (k, j) are the vector at {@code cf[a + (k*J + j)*cs]}
     * (broadcast copies for a plane); other J and K than {@link #pairs} need N floats at {@code tmp[tmpAt]}.
     */
    private static void fuseStrip(Config cfg, float[] src, int base, int jStep, int mapScale, int ch, int stride,
                                  int rows, float[] cf, int a, int cs, float[] y, int out, float[] tmp, int tmpAt) {
        int step = cfg.shifts() * cs;
        if (pairs(cfg)) {
            int s0 = copyAt(cfg, base, jStep, mapScale, ch, 0), s1 = copyAt(cfg, base, jStep, mapScale, ch, 1);
            int k1 = cfg.fusions() == 2 ? step : 0;
            FloatVector a00 = FloatVector.fromArray(F, cf, a), a01 = FloatVector.fromArray(F, cf, a + cs);
            FloatVector a10 = FloatVector.fromArray(F, cf, a + k1), a11 = FloatVector.fromArray(F, cf, a + k1 + cs);
            for (int r = 0; r < rows; r++) {
                int o = r * stride;
                FloatVector x0 = FloatVector.fromArray(F, src, s0 + o), x1 = FloatVector.fromArray(F, src, s1 + o);
                FloatVector v0 = x1.fma(a01, x0.mul(a00)), v1 = x1.fma(a11, x0.mul(a10));
                v0.blend(v1, v1.compare(GT, v0)).intoArray(y, out + o);
            }
            return;
        }
        for (int r = 0; r < rows; r++) {
            fusionRow(cfg, src, base, jStep, mapScale, ch, r * stride, cf, a, cs, y, out + r * stride);
        }
        for (int k = 1; k < cfg.fusions(); k++) {
            for (int r = 0; r < rows; r++) {
                int o = r * stride;
                fusionRow(cfg, src, base, jStep, mapScale, ch, o, cf, a + k * step, cs, tmp, tmpAt);
                FloatVector best = FloatVector.fromArray(F, y, out + o), v = FloatVector.fromArray(F, tmp, tmpAt);
                best.blend(v, v.compare(GT, best)).intoArray(y, out + o);
            }
        }
    }

    /**
     * J = 2 with K = 1 or 2 (every Shift-Max of MicroNet M0-M3) runs in registers; K = 1 as two
     * equal fusions, of which the first wins every tie.
     */
    private static boolean pairs(Config cfg) {
        return cfg.shifts() == 2 && cfg.fusions() <= 2;
    }

    /**
     * Where copy j of a strip starts: a plane's strips read plane map_j(ch) of the image at
     * {@code base} ({@code jStep} 0, {@code mapScale} hw); channel strips read the j-th
     * pixel-major copy ({@code mapScale} 0).
     */
    private static int copyAt(Config cfg, int base, int jStep, int mapScale, int ch, int j) {
        return base + j * jStep + cfg.shiftMaps()[j][ch] * mapScale;
    }

    /** A plane's K*J coefficients, each broadcast to a vector, at {@code w[t + (k*J + j)*N]}. */
    private static void broadcastCoefficients(Config cfg, float[] st, int a, float[] w, int t) {
        for (int kj = 0; kj < cfg.offsets().length; kj++) {
            FloatVector.broadcast(F, st[a + kj * cfg.channels()]).intoArray(w, t + kj * N);
        }
    }

    /** Where image b's coefficient (k, j) of channel c sits: this plus (k*J + j)*C + c. */
    private static int coefficients(Config cfg, int n, int b) {
        return cfg.coefAt(n) + b * cfg.coefStride();
    }

    /** Start of the plane that shifted copy j of channel ch reads. */
    private static int source(Config cfg, int b, int ch, int j, int hw) {
        return (b * cfg.channels() + cfg.shiftMaps()[j][ch]) * hw;
    }

    /** Shifted copy j, pixel-major, at {@code w[t + j*hw*C + p*C + ch]} for channels below loopBound(C). */
    private static void gatherShifted(Config cfg, int hw, int b, float[] x, float[] w, int t) {
        int c = cfg.channels(), cBound = F.loopBound(c);
        for (int j = 0; j < cfg.shifts(); j++) {
            int[] map = cfg.shiftMaps()[j];
            for (int p = 0; p < hw; p++) {
                int row = t + (j * hw + p) * c, img = b * c;
                for (int ch = 0; ch < cBound; ch++) {
                    w[row + ch] = x[(img + map[ch]) * hw + p];
                }
            }
        }
    }

    /**
     * One fusion of one row of a strip, coefficient j at {@code cf[ak + j*cs]}, written to
     * {@code into[at]}: returned in a register it would be boxed wherever the JIT does not inline.
     */
    private static void fusionRow(Config cfg, float[] src, int base, int jStep, int mapScale, int ch, int o,
                                  float[] cf, int ak, int cs, float[] into, int at) {
        FloatVector v = FloatVector.fromArray(F, src, copyAt(cfg, base, jStep, mapScale, ch, 0) + o)
                .mul(FloatVector.fromArray(F, cf, ak));
        for (int j = 1; j < cfg.shifts(); j++) {
            v = FloatVector.fromArray(F, src, copyAt(cfg, base, jStep, mapScale, ch, j) + o)
                    .fma(FloatVector.fromArray(F, cf, ak + j * cs), v);
        }
        v.intoArray(into, at);
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
        int gw1t = s * c, dz = 2 * s * c, dh = dz + n * q, dpool = dh + n * s;
        int images = imagesAt(cfg, n), per = perImage(cfg, hw);
        if (cfg.dynamic()) {
            transpose(params[0], 0, c, s, work, 0);
        }
        Parallel.forEach((n + BLOCK - 1) / BLOCK, block -> {
            int b0 = block * BLOCK, end = Math.min(n, b0 + BLOCK);
            for (int b = b0; b < end; b++) {
                Arrays.fill(dx, b * c * hw, (b + 1) * c * hw, 0f);
                int from = 0;
                if (hw < N) {
                    backwardAlongChannels(cfg, n, hw, b, x, dy, st, work, dz + b * q, images + b * per, dx);
                    from = F.loopBound(c);
                }
                for (int ch = from; ch < c; ch++) {
                    backwardPlane(cfg, n, hw, b, ch, x, dy, st, work, dz + b * q + ch, images + b * per, dx);
                }
                if (cfg.dynamic()) {
                    hardSigmoidBackward(cfg, n, b, st, work, dz + b * q);
                }
            }
            if (cfg.dynamic()) {
                hiddenBackward(cfg, n, b0, end, params[2], st, work, dz, dh);
                for (int b = b0; b < end; b++) {
                    poolBackward(cfg, hw, b, work, dh + b * s, dpool + b * c, dx);
                }
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
     * {@code g[dc + (k*J + j)*C]}; {@code g[t]} starts the image's scratch.
     */
    private static void backwardPlane(Config cfg, int n, int hw, int b, int ch, float[] x, float[] dy, float[] st,
                                      float[] g, int dc, int t, float[] dx) {
        int c = cfg.channels(), shifts = cfg.shifts(), step = shifts * c;
        int a = coefficients(cfg, n, b) + ch, out = (b * c + ch) * hw, bound = F.loopBound(hw);
        if (bound > 0) {
            broadcastCoefficients(cfg, st, a, g, t);
            backwardStrip(cfg, x, b * c * hw, 0, hw, ch, N, bound / N, dy, out, dx, b * c * hw, 0, g, t, N, false, g,
                    dc, c, t + (cfg.offsets().length + 1) * N);
        } else {
            for (int kj = 0; kj < cfg.offsets().length; kj++) {
                g[dc + kj * c] = 0f;
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
     * The backward pass of channels 0 .. loopBound(C)-1 of a small-plane image, lanes along the
     * channels: dx goes to pixel-major copies, scattered through the shift maps at the end.
     */
    private static void backwardAlongChannels(Config cfg, int n, int hw, int b, float[] x, float[] dy, float[] st,
                                              float[] w, int dc, int t, float[] dx) {
        int c = cfg.channels(), shifts = cfg.shifts(), cBound = F.loopBound(c), plane = hw * c;
        int xt = t + (cfg.offsets().length + 1) * N, dyt = xt + shifts * plane, dxt = dyt + plane;
        int win = dxt + shifts * plane, a = coefficients(cfg, n, b);
        gatherShifted(cfg, hw, b, x, w, xt);
        for (int p = 0; p < hw; p++) {
            for (int ch = 0; ch < cBound; ch++) {
                w[dyt + p * c + ch] = dy[(b * c + ch) * hw + p];
            }
        }
        Arrays.fill(w, dxt, dxt + shifts * plane, 0f);
        for (int ch = 0; ch < cBound; ch += N) {
            backwardStrip(cfg, w, xt + ch, plane, 0, ch, c, hw, w, dyt + ch, w, dxt + ch, plane, st, a + ch, c, true,
                    w, dc + ch, c, win);
        }
        for (int j = 0; j < shifts; j++) {
            int[] map = cfg.shiftMaps()[j];
            for (int p = 0; p < hw; p++) {
                int row = dxt + (j * hw + p) * c, img = b * c;
                for (int ch = 0; ch < cBound; ch++) {
                    dx[(img + map[ch]) * hw + p] += w[row + ch];
                }
            }
        }
    }

    /**
     * The backward pass of one strip (see {@link #fuseStrip}): dx of copy j accumulates at
     * {@code dx[copyAt(dxBase, dxJStep) + r*stride]}, dy row r is at {@code dy[dyAt + r*stride]}.
     * The gradient of coefficient (k, j) of the lanes is written to {@code g[gAt + (k*J + j)*gs]},
     * per lane when {@code along} the channels, else summed over the lanes. Other J and K than {@link #pairs}
     * keep the winning fusions at {@code g[win + r*N]}.
     */
    private static void backwardStrip(Config cfg, float[] src, int base, int jStep, int mapScale, int ch, int stride,
                                      int rows, float[] dy, int dyAt, float[] dx, int dxBase, int dxJStep, float[] cf,
                                      int a, int cs, boolean along, float[] g, int gAt, int gs, int win) {
        int shifts = cfg.shifts(), step = shifts * cs, gStep = shifts * gs;
        FloatVector zero = FloatVector.zero(F);
        if (pairs(cfg)) {
            int s0 = copyAt(cfg, base, jStep, mapScale, ch, 0), s1 = copyAt(cfg, base, jStep, mapScale, ch, 1);
            int dx0 = copyAt(cfg, dxBase, dxJStep, mapScale, ch, 0), dx1 = copyAt(cfg, dxBase, dxJStep, mapScale, ch, 1);
            boolean two = cfg.fusions() == 2;
            int k1 = two ? step : 0;
            FloatVector a00 = FloatVector.fromArray(F, cf, a), a01 = FloatVector.fromArray(F, cf, a + cs);
            FloatVector a10 = FloatVector.fromArray(F, cf, a + k1), a11 = FloatVector.fromArray(F, cf, a + k1 + cs);
            FloatVector g00 = zero, g01 = zero, g10 = zero, g11 = zero;
            for (int r = 0; r < rows; r++) {
                int o = r * stride;
                FloatVector x0 = FloatVector.fromArray(F, src, s0 + o), x1 = FloatVector.fromArray(F, src, s1 + o);
                FloatVector d = FloatVector.fromArray(F, dy, dyAt + o);
                VectorMask<Float> second = x1.fma(a11, x0.mul(a10)).compare(GT, x1.fma(a01, x0.mul(a00)));
                FloatVector d0 = d.blend(0f, second), d1 = zero.blend(d, second);
                g00 = d0.fma(x0, g00);
                g01 = d0.fma(x1, g01);
                g10 = d1.fma(x0, g10);
                g11 = d1.fma(x1, g11);
                // both copies may be the same plane: finish one update before reading for the other
                a00.blend(a10, second).fma(d, FloatVector.fromArray(F, dx, dx0 + o)).intoArray(dx, dx0 + o);
                a01.blend(a11, second).fma(d, FloatVector.fromArray(F, dx, dx1 + o)).intoArray(dx, dx1 + o);
            }
            // no helper taking the vectors: where the JIT does not inline it, they would be boxed
            if (along) {
                g00.intoArray(g, gAt);
                g01.intoArray(g, gAt + gs);
            } else {
                g[gAt] = g00.reduceLanes(ADD);
                g[gAt + gs] = g01.reduceLanes(ADD);
            }
            if (two && along) {
                g10.intoArray(g, gAt + gStep);
                g11.intoArray(g, gAt + gStep + gs);
            } else if (two) {
                g[gAt + gStep] = g10.reduceLanes(ADD);
                g[gAt + gStep + gs] = g11.reduceLanes(ADD);
            }
            return;
        }
        boolean several = cfg.fusions() > 1;
        if (several) {
            for (int r = 0; r < rows; r++) {
                int o = r * stride, at = win + r * N;
                fusionRow(cfg, src, base, jStep, mapScale, ch, o, cf, a, cs, g, at);
                FloatVector best = FloatVector.fromArray(F, g, at), winner = zero;
                for (int k = 1; k < cfg.fusions(); k++) {
                    fusionRow(cfg, src, base, jStep, mapScale, ch, o, cf, a + k * step, cs, g, at);
                    FloatVector v = FloatVector.fromArray(F, g, at);
                    VectorMask<Float> m = v.compare(GT, best);
                    best = best.blend(v, m);
                    winner = winner.blend((float) k, m);
                }
                winner.intoArray(g, at);
            }
        }
        for (int k = 0; k < cfg.fusions(); k++) {
            for (int j = 0; j < shifts; j++) {
                int sj = copyAt(cfg, base, jStep, mapScale, ch, j), dxj = copyAt(cfg, dxBase, dxJStep, mapScale, ch, j);
                FloatVector akj = FloatVector.fromArray(F, cf, a + k * step + j * cs), acc = zero;
                for (int r = 0; r < rows; r++) {
                    int o = r * stride;
                    FloatVector d = FloatVector.fromArray(F, dy, dyAt + o);
                    if (several) {
                        d = zero.blend(d, FloatVector.fromArray(F, g, win + r * N).compare(EQ, (float) k));
                    }
                    acc = d.fma(FloatVector.fromArray(F, src, sj + o), acc);
                    d.fma(akj, FloatVector.fromArray(F, dx, dxj + o)).intoArray(dx, dxj + o);
                }
                int at = gAt + k * gStep + j * gs;
                if (along) {
                    acc.intoArray(g, at);
                } else {
                    g[at] = acc.reduceLanes(ADD);
                }
            }
        }
    }

    /** dcoef becomes dz in place: times the hard sigmoid's slope where z is inside (-3, 3). */
    private static void hardSigmoidBackward(Config cfg, int n, int b, float[] st, float[] work, int dz) {
        int q = cfg.coefficientCount(), z = cfg.preSigmoidAt(n) + b * q;
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
    }

    /**
     * dh = relu'(hidden) * (w2 . dz) for images b0 .. end-1, each row of w2 read once for the
     * block; a block of fewer images repeats its last one, which writes the same values.
     */
    private static void hiddenBackward(Config cfg, int n, int b0, int end, float[] w2, float[] st, float[] work,
                                       int dz, int dh) {
        int s = cfg.squeeze(), q = cfg.coefficientCount(), last = end - 1, bound = F.loopBound(q);
        int i0 = b0, i1 = Math.min(b0 + 1, last), i2 = Math.min(b0 + 2, last), i3 = Math.min(b0 + 3, last);
        int z0 = dz + i0 * q, z1 = dz + i1 * q, z2 = dz + i2 * q, z3 = dz + i3 * q;
        for (int t = 0; t < s; t++) {
            int row = t * q;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int i = 0; i < bound; i += N) {
                FloatVector w = FloatVector.fromArray(F, w2, row + i);
                a0 = FloatVector.fromArray(F, work, z0 + i).fma(w, a0);
                a1 = FloatVector.fromArray(F, work, z1 + i).fma(w, a1);
                a2 = FloatVector.fromArray(F, work, z2 + i).fma(w, a2);
                a3 = FloatVector.fromArray(F, work, z3 + i).fma(w, a3);
            }
            float d0 = a0.reduceLanes(ADD), d1 = a1.reduceLanes(ADD), d2 = a2.reduceLanes(ADD), d3 = a3.reduceLanes(ADD);
            for (int i = bound; i < q; i++) {
                float w = w2[row + i];
                d0 = Math.fma(work[z0 + i], w, d0);
                d1 = Math.fma(work[z1 + i], w, d1);
                d2 = Math.fma(work[z2 + i], w, d2);
                d3 = Math.fma(work[z3 + i], w, d3);
            }
            int hidden = cfg.hiddenAt(n) + t;
            work[dh + i0 * s + t] = st[hidden + i0 * s] > 0f ? d0 : 0f;
            work[dh + i1 * s + t] = st[hidden + i1 * s] > 0f ? d1 : 0f;
            work[dh + i2 * s + t] = st[hidden + i2 * s] > 0f ? d2 : 0f;
            work[dh + i3 * s + t] = st[hidden + i3 * s] > 0f ? d3 : 0f;
        }
    }

    /** dpool = w1 . dh along C (w1 transposed at the start of work); each plane of dx gains dpool / hw. */
    private static void poolBackward(Config cfg, int hw, int b, float[] work, int dh, int dpool, float[] dx) {
        int c = cfg.channels(), s = cfg.squeeze();
        Arrays.fill(work, dpool, dpool + c, 0f);
        for (int t = 0; t < s; t++) {
            axpy(work[dh + t], work, t * c, work, dpool, c);
        }
        float inv = 1f / hw;
        if (hw < N) {
            for (int p = 0; p < hw; p++) {
                for (int ch = 0; ch < c; ch++) {
                    dx[(b * c + ch) * hw + p] += work[dpool + ch] * inv;
                }
            }
            return;
        }
        int pBound = F.loopBound(hw);
        for (int ch = 0; ch < c; ch++) {
            float share = work[dpool + ch] * inv;
            int off = (b * c + ch) * hw;
            for (int p = 0; p < pBound; p += N) {
                FloatVector.fromArray(F, dx, off + p).add(share).intoArray(dx, off + p);
            }
            for (int p = pBound; p < hw; p++) {
                dx[off + p] += share;
            }
        }
    }

    private static float sum(float[] a, int off, int len) {
        float s = 0f;
        int i = 0;
        if (len >= N) {
            FloatVector acc = FloatVector.fromArray(F, a, off);
            for (i = N; i <= len - N; i += N) {
                acc = acc.add(FloatVector.fromArray(F, a, off + i));
            }
            s = acc.reduceLanes(ADD);
        }
        for (; i < len; i++) {
            s += a[off + i];
        }
        return s;
    }

    /** Four accumulators, so that the multiply-adds do not wait on each other. */
    private static float dot(float[] a, int aOff, float[] b, int bOff, int len) {
        int i = 0;
        float s = 0f;
        if (len >= N) {
            FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
            for (; i <= len - 4 * N; i += 4 * N) {
                s0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), s0);
                s1 = FloatVector.fromArray(F, a, aOff + i + N).fma(FloatVector.fromArray(F, b, bOff + i + N), s1);
                s2 = FloatVector.fromArray(F, a, aOff + i + 2 * N).fma(FloatVector.fromArray(F, b, bOff + i + 2 * N), s2);
                s3 = FloatVector.fromArray(F, a, aOff + i + 3 * N).fma(FloatVector.fromArray(F, b, bOff + i + 3 * N), s3);
            }
            for (; i <= len - N; i += N) {
                s0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), s0);
            }
            s = s0.add(s1).add(s2.add(s3)).reduceLanes(ADD);
        }
        for (; i < len; i++) {
            s = Math.fma(a[aOff + i], b[bOff + i], s);
        }
        return s;
    }

    /** {@code y[yOff + i] += alpha * x[xOff + i]}, i < len. */
    private static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int len) {
        FloatVector av = FloatVector.broadcast(F, alpha);
        int bound = F.loopBound(len);
        for (int i = 0; i < bound; i += N) {
            av.fma(FloatVector.fromArray(F, x, xOff + i), FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (int i = bound; i < len; i++) {
            y[yOff + i] = Math.fma(alpha, x[xOff + i], y[yOff + i]);
        }
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
