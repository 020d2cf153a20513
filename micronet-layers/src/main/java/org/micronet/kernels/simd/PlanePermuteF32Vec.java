package org.micronet.kernels.simd;

import org.micronet.kernels.Parallel;
import org.micronet.kernels.api.PlanePermuteF32;

/**
 * Plane copies through System.arraycopy, whose stub is the JDK's own vector copy (as fast as a
 * Vector API loop from 4 floats up, measured); 1x1 planes, all of M0's last stages at 32x32 input,
 * are a gather instead, a call per float costing several times the copy. Images run in parallel.
 */
public final class PlanePermuteF32Vec implements PlanePermuteF32 {

    @Override
    public void permute(float[] x, float[] y, int[] from, int n, int c, int hw) {
        Parallel.forEach(n, b -> {
            int image = b * c * hw;
            if (hw == 1) {
                for (int o = 0; o < c; o++) {
                    y[image + o] = x[image + from[o]];
                }
            } else {
                for (int o = 0; o < c; o++) {
                    System.arraycopy(x, image + from[o] * hw, y, image + o * hw, hw);
                }
            }
        });
    }
}
