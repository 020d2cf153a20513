package org.micronet.kernels;

/**
 * Batch normalisation per channel on data flattened to {@code [n][c][hw]}: NCHW activations,
 * or 2-d {@code [n, c]} activations with {@code hw = 1} (one statistic per column), followed by
 * a {@link FusedActivation} (NONE: batch norm alone). Channels run in parallel; each channel's
 * pass walks its {@code n} contiguous runs of {@code hw} values.
 */
public final class BatchNormKernel {
    private BatchNormKernel() {
    }

    /**
     * Normalises with the batch's own statistics, then activates. Writes y and, per channel, the
     * batch mean, the biased batch variance (the one that normalises) and 1 / sqrt(variance + eps)
     * for {@link #backward}.
     */
    public static void forwardTraining(double[] x, double[] gamma, double[] beta, double eps, FusedActivation act,
                                       double[] y, double[] mean, double[] var, double[] invStd, int n, int c, int hw) {
        double m = (double) n * hw;
        Parallel.forEach(c, ch -> {
            // sums of x - k with k a sample of the channel: one pass, without the cancellation
            // that plain sums of squares suffer when the mean is large against the spread
            double k = x[ch * hw];
            double s1 = 0;
            double s2 = 0;
            for (int b = 0; b < n; b++) {
                int off = (b * c + ch) * hw;
                for (int p = 0; p < hw; p++) {
                    double d = x[off + p] - k;
                    s1 += d;
                    s2 += d * d;
                }
            }
            double shiftOfMean = s1 / m;
            mean[ch] = k + shiftOfMean;
            var[ch] = Math.max(s2 / m - shiftOfMean * shiftOfMean, 0.0);
            invStd[ch] = 1.0 / Math.sqrt(var[ch] + eps);
            double scale = gamma[ch] * invStd[ch];
            affine(x, y, ch, scale, beta[ch] - mean[ch] * scale, act, n, c, hw);
        });
    }

    /** Normalises with running statistics, folded into y = x * scale + shift per channel, then activates. */
    public static void forwardInference(double[] x, double[] gamma, double[] beta, double[] runningMean,
                                        double[] runningVar, double eps, FusedActivation act, double[] y,
                                        int n, int c, int hw) {
        Parallel.forEach(c, ch -> {
            double scale = gamma[ch] / Math.sqrt(runningVar[ch] + eps);
            affine(x, y, ch, scale, beta[ch] - runningMean[ch] * scale, act, n, c, hw);
        });
    }

    /**
     * Gradients of {@link #forwardTraining} (batch statistics depend on x), from the mean and
     * inverse deviation it saved. Writes dx, dgamma and dbeta. With an activation, dy first becomes
     * the gradient of the normalised values, whose activation's slope it takes from x again.
     */
    public static void backward(double[] x, double[] dyActivated, double[] gamma, double[] beta, double[] mean,
                                double[] invStd, FusedActivation act, double[] dx, double[] dgamma, double[] dbeta,
                                int n, int c, int hw) {
        double m = (double) n * hw;
        double[] dy = act == FusedActivation.NONE ? dyActivated : new double[dyActivated.length];
        Parallel.forEach(c, ch -> {
            double mu = mean[ch];
            if (dy != dyActivated) {
                for (int b = 0; b < n; b++) {
                    for (int p = (b * c + ch) * hw, end = p + hw; p < end; p++) {
                        dy[p] = dyActivated[p] * act.slope(gamma[ch] * invStd[ch] * (x[p] - mu) + beta[ch]);
                    }
                }
            }
            double sumDy = 0;
            double sumDyXmu = 0;
            for (int b = 0; b < n; b++) {
                int off = (b * c + ch) * hw;
                for (int p = 0; p < hw; p++) {
                    double d = dy[off + p];
                    sumDy += d;
                    sumDyXmu += d * (x[off + p] - mu);
                }
            }
            double is = invStd[ch];
            dbeta[ch] = sumDy;
            dgamma[ch] = sumDyXmu * is;
            // dx = gamma * is * (dy - mean(dy) - xhat * mean(dy * xhat)), expanded to a*dy + bx*x + c0
            double a = gamma[ch] * is;
            double bx = -a * is * dgamma[ch] / m;
            double c0 = -a * sumDy / m - bx * mu;
            for (int b = 0; b < n; b++) {
                int off = (b * c + ch) * hw;
                for (int p = 0; p < hw; p++) {
                    dx[off + p] = a * dy[off + p] + bx * x[off + p] + c0;
                }
            }
        });
    }

    private static void affine(double[] x, double[] y, int ch, double scale, double shift, FusedActivation act,
                               int n, int c, int hw) {
        for (int b = 0; b < n; b++) {
            int off = (b * c + ch) * hw;
            for (int p = 0; p < hw; p++) {
                y[off + p] = act.apply(x[off + p] * scale + shift);
            }
        }
    }
}
