package org.micronet.kernels.simd;

import jdk.incubator.vector.FloatVector;
import org.micronet.kernels.FactorizedDepthwiseKernel.Geometry;
import org.micronet.kernels.FusedActivation;
import org.micronet.kernels.api.FactorizedDepthwiseF32;

import static org.micronet.kernels.simd.Lanes.F;
import static org.micronet.kernels.simd.Lanes.N;

/**
 * {@link FactorizedDepthwiseF32} on the Vector API: the two convs are {@link GroupedConvF32Vec}'s,
 * the intermediate a float array of the caller's (not an ND4J array the next layer copies in
 * again), its bias added in one pass, and the output's bias and activation in another.
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
        CONV.forward(x, w0, intermediate, g.first(), scratch);
        biasAndActivation(intermediate, b0, g.n(), g.mid(), g.outHeight() * g.width(), FusedActivation.NONE);
        CONV.forward(intermediate, w1, y, g.second(), scratch);
        biasAndActivation(y, b1, g.n(), g.out(), g.outHeight() * g.outWidth(), g.activation());
    }

    /** Adds each channel's bias to its planes of {@code a} [n][channels][plane], then applies {@code act}. */
    private static void biasAndActivation(float[] a, float[] bias, int n, int channels, int plane, FusedActivation act) {
        int bound = F.loopBound(plane);
        for (int i = 0, at = 0; i < n; i++) {
            for (int c = 0; c < channels; c++, at += plane) {
                FloatVector b = FloatVector.broadcast(F, bias[c]);
                int p = 0;
                for (; p < bound; p += N) {
                    FloatVector.fromArray(F, a, at + p).add(b).intoArray(a, at + p);
                }
                for (; p < plane; p++) {
                    a[at + p] += bias[c];
                }
                ActivationLanes.apply(a, at, at + plane, act);
            }
        }
    }
}
