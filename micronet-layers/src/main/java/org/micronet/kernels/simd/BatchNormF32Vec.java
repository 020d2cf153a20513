package org.micronet.kernels.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.micronet.kernels.FusedActivation;
import org.micronet.kernels.Parallel;
import org.micronet.kernels.api.BatchNormF32;

import java.util.Arrays;

import static org.micronet.kernels.simd.Lanes.F;
import static org.micronet.kernels.simd.Lanes.N;

/**
 * Each operation is, per channel, shifted sums over the channel's n runs of hw values (the
 * training statistics, the gradient sums), then one pass of {@code y = a*u + b*v + c} with
 * per-channel coefficients. Two walks over the runs:
 * <ul>
 *   <li>planes, when vectors cover most of a run: one task per channel, coefficients broadcast;</li>
 *   <li>rows, for small planes (hw = 1 to 16 at 32x32 input): a vector spans several channels
 *       of an image's c*hw values, so shifts and coefficients are expanded per column into
 *       scratch, and sums are per column before they combine per channel. One task per chunk
 *       of whole channels.</li>
 * </ul>
 * Both sum four images at a time, reading each along its row or plane: walking a column down
 * the images instead strides by c*hw floats, often a power of two, and ran two to five times
 * slower. A float lane sums at most {@link #FLUSH} terms before its partial sum moves to double:
 * single float sums over the 32*112*112 values of a channel would drift. Runs past the last four
 * images and plane tails past the last vector are summed in double.
 *
 * <p>A fused activation runs in the same task, over the channels the task has just written
 * (still in cache): forward on y; backward, before the sums, the normalised values are
 * recomputed from x into dx and become dy times the activation's slope there.
 */
public final class BatchNormF32Vec implements BatchNormF32 {
    private static final int FLUSH = 64;
    /** Row-walk images per block: the column sums add FLUSH sums of four. */
    private static final int BLOCK_ROWS = 4 * FLUSH;
    /**
     * Row-walk columns per task: narrower chunks of the images' rows (often a power of two floats
     * apart) ran slower, 128 columns up to 1.7 times; 1024-column rows still make two tasks.
     */
    private static final int CHUNK = 512;
    /** Per-channel rows of scratch, c floats each: the sums' shift of u, and the coefficients. */
    private static final int SHIFT = 0, A = 1, B = 2, C = 3, CHANNEL_ROWS = 4;
    /** Per-column rows of scratch in the row walk, c*hw floats each, after the channel rows. */
    private static final int COLUMN_ROWS = 4;

    @Override
    public int scratchLength(int n, int c, int hw) {
        return CHANNEL_ROWS * c + (rows(n, hw) ? COLUMN_ROWS * c * hw : 0);
    }

    /**
     * The row walk where the plane walk would leave over a quarter of each run to scalar tails,
     * and for planes under four vectors (measured faster from 16 to 49 floats, on par at 64) when
     * there are images enough to pay for its expanded coefficients.
     */
    private static boolean rows(int n, int hw) {
        return 4 * (hw % N) > hw || hw < 4 * N && n >= 4;
    }

    @Override
    public void forwardTraining(float[] x, float[] gamma, float[] beta, double eps, FusedActivation act, float[] y,
                                float[] mean, float[] var, float[] invStd, float[] s, int n, int c, int hw) {
        double m = (double) n * hw;
        int per = channelsPerTask(n, c, hw);
        Parallel.forEach(ceilDiv(c, per), t -> {
            int c0 = t * per;
            int c1 = Math.min(c, c0 + per);
            for (int ch = c0; ch < c1; ch++) {
                // sums of x - k with k a sample of the channel: one pass, without the cancellation
                // that plain sums of squares suffer when the mean is large against the spread
                s[SHIFT * c + ch] = x[ch * hw];
            }
            sums(x, s, SHIFT * c, x, s, SHIFT * c, mean, var, s, c0, c1, n, c, hw);
            for (int ch = c0; ch < c1; ch++) {
                double shiftOfMean = mean[ch] / m;
                double mu = x[ch * hw] + shiftOfMean;
                double v = Math.max(var[ch] / m - shiftOfMean * shiftOfMean, 0.0);
                double is = 1.0 / Math.sqrt(v + eps);
                mean[ch] = (float) mu;
                var[ch] = (float) v;
                invStd[ch] = (float) is;
                double scale = gamma[ch] * is;
                coefficients(s, c, ch, scale, 0, beta[ch] - mu * scale);
            }
            combine(x, x, y, s, c0, c1, n, c, hw);
            activate(y, act, c0, c1, n, c, hw);
        });
    }

    @Override
    public void forwardInference(float[] x, float[] gamma, float[] beta, float[] runningMean, float[] runningVar,
                                 double eps, FusedActivation act, float[] y, float[] s, int n, int c, int hw) {
        int per = channelsPerTask(n, c, hw);
        Parallel.forEach(ceilDiv(c, per), t -> {
            int c0 = t * per;
            int c1 = Math.min(c, c0 + per);
            for (int ch = c0; ch < c1; ch++) {
                double scale = gamma[ch] / Math.sqrt(runningVar[ch] + eps);
                coefficients(s, c, ch, scale, 0, beta[ch] - runningMean[ch] * scale);
            }
            combine(x, x, y, s, c0, c1, n, c, hw);
            activate(y, act, c0, c1, n, c, hw);
        });
    }

    @Override
    public void backward(float[] x, float[] dyActivated, float[] gamma, float[] beta, float[] mean, float[] invStd,
                         FusedActivation act, float[] dx, float[] dgamma, float[] dbeta, float[] s, int n, int c, int hw) {
        double m = (double) n * hw;
        int per = channelsPerTask(n, c, hw);
        // the gradient of the normalised values goes into dx, which the last pass overwrites in place
        float[] dy = act == FusedActivation.NONE ? dyActivated : dx;
        Parallel.forEach(ceilDiv(c, per), t -> {
            int c0 = t * per;
            int c1 = Math.min(c, c0 + per);
            if (act != FusedActivation.NONE) {
                // the normalised values z = a*x + c again, then dy * act'(z) in their place
                for (int ch = c0; ch < c1; ch++) {
                    double a = gamma[ch] * invStd[ch];
                    coefficients(s, c, ch, a, 0, beta[ch] - mean[ch] * a);
                }
                combine(x, x, dy, s, c0, c1, n, c, hw);
                for (int img = 0; img < n; img++) {
                    ActivationLanes.gate(dy, dyActivated, (img * c + c0) * hw, (img * c + c1) * hw, act);
                }
            }
            Arrays.fill(s, SHIFT * c + c0, SHIFT * c + c1, 0f);
            sums(dy, s, SHIFT * c, x, mean, 0, dbeta, dgamma, s, c0, c1, n, c, hw);
            for (int ch = c0; ch < c1; ch++) {
                double is = invStd[ch];
                double dg = dgamma[ch] * is;
                dgamma[ch] = (float) dg;
                // dx = gamma * is * (dy - mean(dy) - xhat * mean(dy * xhat)), expanded to a*dy + bx*x + c0
                double a = gamma[ch] * is;
                double bx = -a * is * dg / m;
                coefficients(s, c, ch, a, bx, -a * dbeta[ch] / m - bx * mean[ch]);
            }
            combine(dy, x, dx, s, c0, c1, n, c, hw);
        });
    }

    /** y = act(y) over channels [c0, c1): per image, one contiguous run. */
    private static void activate(float[] y, FusedActivation act, int c0, int c1, int n, int c, int hw) {
        for (int img = 0; img < n; img++) {
            ActivationLanes.apply(y, (img * c + c0) * hw, (img * c + c1) * hw, act);
        }
    }

    private static void coefficients(float[] s, int c, int ch, double a, double b, double cc) {
        s[A * c + ch] = (float) a;
        s[B * c + ch] = (float) b;
        s[C * c + ch] = (float) cc;
    }

    /**
     * Per channel of [c0, c1): sum1 = Σ(u - ku) and sum2 = Σ(u - ku)(v - kv), with the channel's
     * shifts ku and kv at {@code kuAt + ch} and {@code kvAt + ch}.
     */
    private static void sums(float[] u, float[] ku, int kuAt, float[] v, float[] kv, int kvAt,
                             float[] sum1, float[] sum2, float[] s, int c0, int c1, int n, int c, int hw) {
        if (!rows(n, hw)) {
            for (int ch = c0; ch < c1; ch++) {
                planeSums(u, ku[kuAt + ch], v, kv[kvAt + ch], sum1, sum2, ch, n, c, hw);
            }
            return;
        }
        int len = c * hw;
        int ekU = CHANNEL_ROWS * c;
        int ekV = ekU + len;
        int es1 = ekV + len;
        int es2 = es1 + len;
        expand(ku, kuAt, s, ekU, c0, c1, hw);
        expand(kv, kvAt, s, ekV, c0, c1, hw);
        int j0 = c0 * hw;
        int j1 = c1 * hw;
        int jEnd = j0 + F.loopBound(j1 - j0);
        Arrays.fill(sum1, c0, c1, 0f);
        Arrays.fill(sum2, c0, c1, 0f);
        for (int b0 = 0; b0 < n; b0 += BLOCK_ROWS) {
            int b1 = Math.min(n, b0 + BLOCK_ROWS);
            int b4 = b0 + (b1 - b0) / 4 * 4;
            Arrays.fill(s, es1 + j0, es1 + jEnd, 0f);
            Arrays.fill(s, es2 + j0, es2 + jEnd, 0f);
            // four image rows at a time, each read along its columns
            for (int b = b0; b < b4; b += 4) {
                int o = b * len;
                for (int j = j0; j < jEnd; j += N) {
                    FloatVector kuv = FloatVector.fromArray(F, s, ekU + j);
                    FloatVector kvv = FloatVector.fromArray(F, s, ekV + j);
                    FloatVector d0 = FloatVector.fromArray(F, u, o + j).sub(kuv);
                    FloatVector d1 = FloatVector.fromArray(F, u, o + len + j).sub(kuv);
                    FloatVector d2 = FloatVector.fromArray(F, u, o + 2 * len + j).sub(kuv);
                    FloatVector d3 = FloatVector.fromArray(F, u, o + 3 * len + j).sub(kuv);
                    FloatVector e0 = FloatVector.fromArray(F, v, o + j).sub(kvv);
                    FloatVector e1 = FloatVector.fromArray(F, v, o + len + j).sub(kvv);
                    FloatVector e2 = FloatVector.fromArray(F, v, o + 2 * len + j).sub(kvv);
                    FloatVector e3 = FloatVector.fromArray(F, v, o + 3 * len + j).sub(kvv);
                    FloatVector.fromArray(F, s, es1 + j).add(d0.add(d1).add(d2.add(d3))).intoArray(s, es1 + j);
                    FloatVector.fromArray(F, s, es2 + j).add(d0.fma(e0, d1.mul(e1)).add(d2.fma(e2, d3.mul(e3))))
                            .intoArray(s, es2 + j);
                }
            }
            // per channel, its columns' sums, and in double the rows past the last four and the
            // columns past the last vector
            for (int ch = c0; ch < c1; ch++) {
                double t1 = sum1[ch];
                double t2 = sum2[ch];
                for (int j = ch * hw; j < (ch + 1) * hw; j++) {
                    int from = b0;
                    if (j < jEnd) {
                        t1 += s[es1 + j];
                        t2 += s[es2 + j];
                        from = b4;
                    }
                    for (int b = from; b < b1; b++) {
                        double d = (double) u[b * len + j] - s[ekU + j];
                        t1 += d;
                        t2 += d * ((double) v[b * len + j] - s[ekV + j]);
                    }
                }
                sum1[ch] = (float) t1;
                sum2[ch] = (float) t2;
            }
        }
    }

    /** y = a*u + b*v + c over channels [c0, c1), with the coefficients of scratch rows A, B, C. */
    private static void combine(float[] u, float[] v, float[] y, float[] s, int c0, int c1, int n, int c, int hw) {
        if (!rows(n, hw)) {
            for (int ch = c0; ch < c1; ch++) {
                planeCombine(u, s[A * c + ch], v, s[B * c + ch], s[C * c + ch], y, ch, n, c, hw);
            }
            return;
        }
        int len = c * hw;
        int ea = CHANNEL_ROWS * c;
        int eb = ea + len;
        int ec = eb + len;
        expand(s, A * c, s, ea, c0, c1, hw);
        expand(s, B * c, s, eb, c0, c1, hw);
        expand(s, C * c, s, ec, c0, c1, hw);
        rowCombine(u, v, y, s, ea, eb, ec, c0 * hw, c1 * hw, n, len);
    }

    /** Per-channel values {@code src[srcAt + ch]} repeated over the channel's columns at {@code dstAt}. */
    private static void expand(float[] src, int srcAt, float[] dst, int dstAt, int c0, int c1, int hw) {
        if (hw == 1) {
            System.arraycopy(src, srcAt + c0, dst, dstAt + c0, c1 - c0);
            return;
        }
        for (int ch = c0; ch < c1; ch++) {
            float value = src[srcAt + ch];
            for (int j = dstAt + ch * hw; j < dstAt + (ch + 1) * hw; j++) {
                dst[j] = value;
            }
        }
    }

    /** The plane walk's sums of one channel: four runs at a time, each read along its plane. */
    private static void planeSums(float[] u, float ku, float[] v, float kv, float[] sum1, float[] sum2,
                                  int ch, int n, int c, int hw) {
        int stride = c * hw;
        int first = ch * hw;
        int bound = F.loopBound(hw);
        int n4 = n - n % 4;
        double t1 = 0;
        double t2 = 0;
        for (int b = 0; b < n4; b += 4) {
            int o0 = first + b * stride;
            int o1 = o0 + stride;
            int o2 = o1 + stride;
            int o3 = o2 + stride;
            // segments of long planes keep each lane's float sum to FLUSH terms
            for (int p0 = 0; p0 < bound; p0 += FLUSH * N) {
                int p1 = Math.min(bound, p0 + FLUSH * N);
                FloatVector kuv = FloatVector.broadcast(F, ku);
                FloatVector kvv = FloatVector.broadcast(F, kv);
                FloatVector zero = FloatVector.zero(F);
                FloatVector p10 = zero, p11 = zero, p12 = zero, p13 = zero;
                FloatVector p20 = zero, p21 = zero, p22 = zero, p23 = zero;
                for (int p = p0; p < p1; p += N) {
                    FloatVector d0 = FloatVector.fromArray(F, u, o0 + p).sub(kuv);
                    FloatVector d1 = FloatVector.fromArray(F, u, o1 + p).sub(kuv);
                    FloatVector d2 = FloatVector.fromArray(F, u, o2 + p).sub(kuv);
                    FloatVector d3 = FloatVector.fromArray(F, u, o3 + p).sub(kuv);
                    p10 = p10.add(d0);
                    p11 = p11.add(d1);
                    p12 = p12.add(d2);
                    p13 = p13.add(d3);
                    p20 = d0.fma(FloatVector.fromArray(F, v, o0 + p).sub(kvv), p20);
                    p21 = d1.fma(FloatVector.fromArray(F, v, o1 + p).sub(kvv), p21);
                    p22 = d2.fma(FloatVector.fromArray(F, v, o2 + p).sub(kvv), p22);
                    p23 = d3.fma(FloatVector.fromArray(F, v, o3 + p).sub(kvv), p23);
                }
                t1 += p10.add(p11).add(p12.add(p13)).reduceLanes(VectorOperators.ADD);
                t2 += p20.add(p21).add(p22.add(p23)).reduceLanes(VectorOperators.ADD);
            }
        }
        // in double: the runs past the last four, and the plane's tail
        for (int b = 0; b < n; b++) {
            int o = first + b * stride;
            for (int p = b < n4 ? bound : 0; p < hw; p++) {
                double d = (double) u[o + p] - ku;
                t1 += d;
                t2 += d * ((double) v[o + p] - kv);
            }
        }
        sum1[ch] = (float) t1;
        sum2[ch] = (float) t2;
    }

    private static void planeCombine(float[] u, float a, float[] v, float b, float cc, float[] y,
                                     int ch, int n, int c, int hw) {
        int bound = F.loopBound(hw);
        for (int img = 0; img < n; img++) {
            int o = (img * c + ch) * hw;
            // broadcast per run: vectors living across both loops would be boxed
            FloatVector av = FloatVector.broadcast(F, a);
            FloatVector bv = FloatVector.broadcast(F, b);
            FloatVector cv = FloatVector.broadcast(F, cc);
            int p = 0;
            for (; p < bound; p += N) {
                FloatVector.fromArray(F, u, o + p)
                        .fma(av, FloatVector.fromArray(F, v, o + p).fma(bv, cv))
                        .intoArray(y, o + p);
            }
            for (; p < hw; p++) {
                y[o + p] = Math.fma(u[o + p], a, Math.fma(v[o + p], b, cc));
            }
        }
    }

    private static void rowCombine(float[] u, float[] v, float[] y, float[] s, int a, int b, int cc,
                                   int j0, int j1, int n, int len) {
        int jEnd = j0 + F.loopBound(j1 - j0);
        for (int img = 0; img < n; img++) {
            int o = img * len;
            int j = j0;
            for (; j < jEnd; j += N) {
                FloatVector.fromArray(F, u, o + j)
                        .fma(FloatVector.fromArray(F, s, a + j),
                                FloatVector.fromArray(F, v, o + j).fma(FloatVector.fromArray(F, s, b + j),
                                        FloatVector.fromArray(F, s, cc + j)))
                        .intoArray(y, o + j);
            }
            for (; j < j1; j++) {
                y[o + j] = Math.fma(u[o + j], s[a + j], Math.fma(v[o + j], s[b + j], s[cc + j]));
            }
        }
    }

    /** One channel per task on the plane walk; chunks of about CHUNK columns on the row walk. */
    private static int channelsPerTask(int n, int c, int hw) {
        if (!rows(n, hw)) {
            return 1;
        }
        int per = ceilDiv(c, Math.max(1, c * hw / CHUNK));
        if (N % hw == 0) {
            // whole vectors per chunk
            per = ceilDiv(per, N / hw) * (N / hw);
        }
        return Math.min(per, c);
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
