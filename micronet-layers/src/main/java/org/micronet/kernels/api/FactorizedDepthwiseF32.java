package org.micronet.kernels.api;

import org.micronet.kernels.FactorizedDepthwiseKernel;
import org.micronet.kernels.FactorizedDepthwiseKernel.Geometry;

/**
 * The float32 {@link FactorizedDepthwiseKernel}: the k x 1 and 1 x k convs, their biases and the
 * activation in one call. Inference only. Arrays may be longer than the geometry needs;
 * implementations are shared by all threads, so their working memory comes from the caller:
 * {@code intermediate} and {@code scratch}, at least {@link #intermediateLength} and
 * {@link #scratchLength} floats, contents irrelevant.
 */
public interface FactorizedDepthwiseF32 {

    int intermediateLength(Geometry g);

    int scratchLength(Geometry g);

    /** Writes y. */
    void forward(float[] x, float[] w0, float[] b0, float[] w1, float[] b1, float[] y, Geometry g,
                 float[] intermediate, float[] scratch);
}
