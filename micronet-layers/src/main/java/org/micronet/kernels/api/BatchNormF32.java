package org.micronet.kernels.api;

import org.micronet.kernels.FusedActivation;

/**
 * Float32 batch normalisation on data flattened to {@code [n][c][hw]}, with the semantics and
 * arguments of {@link org.micronet.kernels.BatchNormKernel} (the double reference). Per-channel
 * arrays have length at least {@code c}; all arrays may be longer than the data.
 *
 * <p>Implementations are shared by every layer and thread: {@code scratch} (at least
 * {@link #scratchLength} floats, contents stale) is the caller's.
 */
public interface BatchNormF32 {
    /** Floats of scratch the calls need at this shape. */
    int scratchLength(int n, int c, int hw);

    /** Writes y and, per channel, the batch mean, biased variance and 1 / sqrt(variance + eps). */
    void forwardTraining(float[] x, float[] gamma, float[] beta, double eps, FusedActivation act, float[] y,
                         float[] mean, float[] var, float[] invStd, float[] scratch, int n, int c, int hw);

    void forwardInference(float[] x, float[] gamma, float[] beta, float[] runningMean, float[] runningVar,
                          double eps, FusedActivation act, float[] y, float[] scratch, int n, int c, int hw);

    /**
     * Writes dx, dgamma and dbeta from the mean and inverse deviation {@link #forwardTraining} saved;
     * dy is the gradient of the activated output. dx may be dy.
     */
    void backward(float[] x, float[] dy, float[] gamma, float[] beta, float[] mean, float[] invStd,
                  FusedActivation act, float[] dx, float[] dgamma, float[] dbeta, float[] scratch, int n, int c, int hw);
}
