package org.micronet.kernels.simd;

import org.micronet.kernels.FactorizedDepthwiseKernel.Geometry;
import org.micronet.kernels.FusedActivation;
import org.micronet.kernels.api.FactorizedDepthwiseF32;

/**
 * {@link FactorizedDepthwiseF32} on the Vector API: the two convs are {@link GroupedConvF32Vec}'s,
 * the intermediate a float array of the caller's (not an ND4J array the next layer copies in
 * again); each conv starts its planes at their bias and the second applies the activation while
 * they are in cache.
 *
 * <p>Measured against this composition at batch 1, a row-at-a-time pass that keeps one
 * intermediate row in cache for both convs was as fast on the stem's 224-wide rows and two to
 * five times slower on the blocks' rows of 7 to 56: short rows leave it in scalar tails, where the
 * grouped conv joins planes into long vector runs and splits strided columns with shuffles.
 */
public final class FactorizedDepthwiseF32Vec implements FactorizedDepthwiseF32 {
    private static final GroupedConvF32Vec CONV = new GroupedConvF32Vec();

    @Override
    public int intermediateLength(Geometry g) {
        return g.n() * g.mid() * g.outHeight() * g.width();
    }

    @Override
    public int scratchLength(Geometry g) {
        return Math.max(CONV.scratchLength(g.first()), CONV.scratchLength(g.second()));
    }

    @Override
    public void forward(float[] x, float[] w0, float[] b0, float[] w1, float[] b1, float[] y, Geometry g,
                        float[] intermediate, float[] scratch) {
        CONV.forward(x, w0, b0, FusedActivation.NONE, intermediate, g.first(), scratch);
        CONV.forward(intermediate, w1, b1, g.activation(), y, g.second(), scratch);
    }
}
