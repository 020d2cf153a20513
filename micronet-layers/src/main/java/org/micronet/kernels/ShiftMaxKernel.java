package org.micronet.kernels;

import java.util.Arrays;

/**
 * Dynamic Shift-Max (paper Eq. 4) on NCHW data flattened to {@code [n][c][hw]}:
 * {@code y_c = max_k sum_j a^k_{c,j}(x) * xhat^j_c}, where {@code xhat^j} is the input shifted
 * j times by {@link ChannelPermutation#groupShift}.
 *
 * <p>The coefficients come from the hyper-function pool -> FC(C, s) -> ReLU -> FC(s, K*J*C) ->
 * hard sigmoid, rescaled to [-actMax, actMax] and offset per (k, j); or, when not dynamic, they
 * are learned constants plus the same offsets (static Shift-Max). Coefficient q is ordered
 * (k, j, c): q = (k*J + j)*C + c, so K = J = 2 gives the reference's (a1, b1, a2, b2).
 *
 * <p>Parameter layouts: w1 {@code [C][s]}, b1 {@code [s]}, w2 {@code [s][K*J*C]},
 * b2 {@code [K*J*C]}; static: coef {@code [K*J*C]}.
 */
public final class ShiftMaxKernel {
    private final int channels;
    private final int squeeze;
    private final int fusions;
    private final int shifts;
    private final boolean dynamic;
    private final double actMax;
    private final double[] offsets;
    private final int[][] shiftMaps;

    /** @param offsets per (k, j) at index k*J + j, added to every channel's coefficient */
    public ShiftMaxKernel(int channels, int shiftGroups, int squeeze, int shifts, int fusions,
                          boolean dynamic, double actMax, double[] offsets) {
        if (offsets.length != shifts * fusions) {
            throw new IllegalArgumentException("offsets must have J*K = " + shifts * fusions + " entries, got " + offsets.length);
        }
        this.channels = channels;
        this.squeeze = squeeze;
        this.fusions = fusions;
        this.shifts = shifts;
        this.dynamic = dynamic;
        this.actMax = actMax;
        this.offsets = offsets.clone();
        this.shiftMaps = ChannelPermutation.groupShiftPowers(channels, shiftGroups, shifts);
    }

    public int coefficientCount() {
        return fusions * shifts * channels;
    }

    /** Intermediate values of one forward pass, needed by the backward pass. */
    public static final class State {
        final double[] pooled;
        final double[] hidden;
        final double[] preSigmoid;
        public final double[] coef;

        State(int n, int c, int s, int q) {
            pooled = new double[n * c];
            hidden = new double[n * s];
            preSigmoid = new double[n * q];
            coef = new double[n * q];
        }
    }

    /** Dynamic: {w1, b1, w2, b2}; static: {coef}. */
    public State coefficients(double[] x, int n, int hw, double[][] params) {
        int c = channels;
        int q = coefficientCount();
        State st = new State(n, c, squeeze, q);
        if (!dynamic) {
            double[] learned = params[0];
            for (int b = 0; b < n; b++) {
                for (int i = 0; i < q; i++) {
                    st.coef[b * q + i] = learned[i] + offsets[i / c];
                }
            }
            return st;
        }
        double[] w1 = params[0], b1 = params[1], w2 = params[2], b2 = params[3];
        int s = squeeze;
        Parallel.forEach(n, b -> {
            for (int ch = 0; ch < c; ch++) {
                double sum = 0;
                int off = (b * c + ch) * hw;
                for (int p = 0; p < hw; p++) {
                    sum += x[off + p];
                }
                st.pooled[b * c + ch] = sum / hw;
            }
            // both FCs run output-innermost over contiguous weight rows (same summation order per output)
            int hOff = b * s;
            System.arraycopy(b1, 0, st.hidden, hOff, s);
            for (int ch = 0; ch < c; ch++) {
                double pooled = st.pooled[b * c + ch];
                for (int t = 0; t < s; t++) {
                    st.hidden[hOff + t] += pooled * w1[ch * s + t];
                }
            }
            for (int t = 0; t < s; t++) {
                st.hidden[hOff + t] = Math.max(0, st.hidden[hOff + t]);
            }
            int zOff = b * q;
            System.arraycopy(b2, 0, st.preSigmoid, zOff, q);
            for (int t = 0; t < s; t++) {
                double h = st.hidden[hOff + t];
                for (int i = 0; i < q; i++) {
                    st.preSigmoid[zOff + i] += h * w2[t * q + i];
                }
            }
            for (int i = 0; i < q; i++) {
                double hs = Math.min(6, Math.max(0, st.preSigmoid[zOff + i] + 3)) / 6;
                st.coef[zOff + i] = (hs - 0.5) * 2 * actMax + offsets[i / c];
            }
        });
        return st;
    }

    public void fuse(double[] x, State st, double[] y, int n, int hw) {
        int c = channels;
        Parallel.forEach(n, b -> {
            double[] v = new double[hw];
            for (int ch = 0; ch < c; ch++) {
                int yOff = (b * c + ch) * hw;
                combine(x, st.coef, b, ch, 0, hw, v);
                System.arraycopy(v, 0, y, yOff, hw);
                for (int k = 1; k < fusions; k++) {
                    combine(x, st.coef, b, ch, k, hw, v);
                    for (int p = 0; p < hw; p++) {
                        y[yOff + p] = v[p] > y[yOff + p] ? v[p] : y[yOff + p];
                    }
                }
            }
        });
    }

    /**
     * {@code v = sum_j a^k_{ch,j} * xhat^j_ch} for one image: whole rows at a time, so that the
     * loops over pixels are plain multiply-adds the JIT vectorises.
     */
    private void combine(double[] x, double[] coef, int b, int ch, int k, int hw, double[] v) {
        int c = channels;
        int q0 = b * coefficientCount() + k * shifts * c + ch;
        double a = coef[q0];
        int src = (b * c + shiftMaps[0][ch]) * hw;
        for (int p = 0; p < hw; p++) {
            v[p] = a * x[src + p];
        }
        for (int j = 1; j < shifts; j++) {
            double aj = coef[q0 + j * c];
            int srcJ = (b * c + shiftMaps[j][ch]) * hw;
            for (int p = 0; p < hw; p++) {
                v[p] += aj * x[srcJ + p];
            }
        }
    }

    /**
     * Writes dx (input gradient) and the parameter gradients (same layout as params).
     * Where fusions tie, the first one takes the gradient, as torch.max does.
     */
    public void backward(double[] x, double[] dy, State st, double[][] params, int n, int hw,
                         double[] dx, double[][] grads) {
        int c = channels;
        int q = coefficientCount();
        Arrays.fill(dx, 0, n * c * hw, 0.0);
        double[] dcoef = new double[n * q];
        // images are independent here: each writes its own dcoef and dx
        Parallel.forEach(n, b -> {
            double[] best = new double[hw];
            double[] v = new double[hw];
            double[] d = new double[hw];
            int[] arg = new int[hw];
            for (int ch = 0; ch < c; ch++) {
                // which fusion won the max at each pixel (recomputed: cheaper than keeping it)
                Arrays.fill(arg, 0);
                if (fusions > 1) {
                    combine(x, st.coef, b, ch, 0, hw, best);
                }
                for (int k = 1; k < fusions; k++) {
                    combine(x, st.coef, b, ch, k, hw, v);
                    for (int p = 0; p < hw; p++) {
                        if (v[p] > best[p]) {
                            best[p] = v[p];
                            arg[p] = k;
                        }
                    }
                }
                int yOff = (b * c + ch) * hw;
                for (int k = 0; k < fusions; k++) {
                    for (int p = 0; p < hw; p++) {
                        d[p] = arg[p] == k ? dy[yOff + p] : 0;
                    }
                    for (int j = 0; j < shifts; j++) {
                        int qi = b * q + (k * shifts + j) * c + ch;
                        int src = (b * c + shiftMaps[j][ch]) * hw;
                        double a = st.coef[qi];
                        for (int p = 0; p < hw; p++) {
                            dx[src + p] += d[p] * a;
                        }
                        double acc = 0;
                        for (int p = 0; p < hw; p++) {
                            acc += d[p] * x[src + p];
                        }
                        dcoef[qi] += acc;
                    }
                }
            }
        });
        if (!dynamic) {
            sumOverImages(dcoef, n, q, grads[0]);
            return;
        }
        double[] w1 = params[0], w2 = params[2];
        double[] gw1 = grads[0], gb1 = grads[1], gw2 = grads[2], gb2 = grads[3];
        int s = squeeze;
        // back through the hard sigmoid, then the two FCs; each gradient element still sums over
        // the images in order, but the work is split by output row so it runs in parallel
        double[] dz = new double[n * q];
        for (int i = 0; i < n * q; i++) {
            double z = st.preSigmoid[i];
            dz[i] = (z > -3 && z < 3) ? dcoef[i] * 2 * actMax / 6 : 0;
        }
        sumOverImages(dz, n, q, gb2);
        double[] dh = new double[n * s];
        Parallel.forEach(s, t -> {
            int row = t * q;
            Arrays.fill(gw2, row, row + q, 0.0);
            for (int b = 0; b < n; b++) {
                double h = st.hidden[b * s + t];
                int zOff = b * q;
                for (int i = 0; i < q; i++) {
                    gw2[row + i] += h * dz[zOff + i];
                }
                double acc = 0;
                for (int i = 0; i < q; i++) {
                    acc += w2[row + i] * dz[zOff + i];
                }
                dh[b * s + t] = h > 0 ? acc : 0;
            }
        });
        sumOverImages(dh, n, s, gb1);
        Parallel.forEach(c, ch -> {
            int row = ch * s;
            Arrays.fill(gw1, row, row + s, 0.0);
            for (int b = 0; b < n; b++) {
                double pooled = st.pooled[b * c + ch];
                for (int t = 0; t < s; t++) {
                    gw1[row + t] += pooled * dh[b * s + t];
                }
            }
        });
        Parallel.forEach(n, b -> {
            for (int ch = 0; ch < c; ch++) {
                double dp = 0;
                for (int t = 0; t < s; t++) {
                    dp += w1[ch * s + t] * dh[b * s + t];
                }
                int off = (b * c + ch) * hw;
                double share = dp / hw;
                for (int p = 0; p < hw; p++) {
                    dx[off + p] += share;
                }
            }
        });
    }

    /** {@code out[i] = sum over images b of v[b * width + i]}, images in order. */
    private static void sumOverImages(double[] v, int n, int width, double[] out) {
        Arrays.fill(out, 0, width, 0.0);
        for (int b = 0; b < n; b++) {
            for (int i = 0; i < width; i++) {
                out[i] += v[b * width + i];
            }
        }
    }
}
