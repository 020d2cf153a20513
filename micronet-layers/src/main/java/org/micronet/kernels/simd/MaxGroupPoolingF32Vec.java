package org.micronet.kernels.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import org.micronet.kernels.Parallel;
import org.micronet.kernels.api.MaxGroupPoolingF32;

import static org.micronet.kernels.simd.Lanes.F;
import static org.micronet.kernels.simd.Lanes.N;

/**
 * Vectors run along a plane; images in parallel. The backward pass finds the winning channel as
 * the reference does (strictly greater replaces, so the first maximum wins and NaN never does),
 * tracking its index as a float lane (no integer vectors), then writes every channel of the group.
 */
public final class MaxGroupPoolingF32Vec implements MaxGroupPoolingF32 {

    @Override
    public void forward(float[] x, float[] y, int n, int c, int size, int hw) {
        int co = c / size;
        int bound = F.loopBound(hw);
        Parallel.forEach(n, b -> {
            for (int o = 0; o < co; o++) {
                int first = (b * c + o * size) * hw;
                int out = (b * co + o) * hw;
                int p = 0;
                for (; p < bound; p += N) {
                    FloatVector m = FloatVector.fromArray(F, x, first + p);
                    for (int i = 1; i < size; i++) {
                        m = m.max(FloatVector.fromArray(F, x, first + i * hw + p));
                    }
                    m.intoArray(y, out + p);
                }
                for (; p < hw; p++) {
                    float m = x[first + p];
                    for (int i = 1; i < size; i++) {
                        m = Math.max(m, x[first + i * hw + p]);
                    }
                    y[out + p] = m;
                }
            }
        });
    }

    @Override
    public void backward(float[] x, float[] dy, float[] dx, int n, int c, int size, int hw) {
        // forward's loop nest again: sharing it would put each vector body behind a per-group
        // callback that C2 need not inline, for the sake of four lines of index arithmetic
        int co = c / size;
        int bound = F.loopBound(hw);
        Parallel.forEach(n, b -> {
            for (int o = 0; o < co; o++) {
                int first = (b * c + o * size) * hw;
                int out = (b * co + o) * hw;
                int p = 0;
                for (; p < bound; p += N) {
                    FloatVector best = FloatVector.fromArray(F, x, first + p);
                    FloatVector at = FloatVector.zero(F);
                    for (int i = 1; i < size; i++) {
                        FloatVector xi = FloatVector.fromArray(F, x, first + i * hw + p);
                        VectorMask<Float> greater = xi.compare(VectorOperators.GT, best);
                        best = best.blend(xi, greater);
                        at = at.blend(i, greater);
                    }
                    FloatVector g = FloatVector.fromArray(F, dy, out + p);
                    FloatVector zero = FloatVector.zero(F);
                    for (int i = 0; i < size; i++) {
                        zero.blend(g, at.compare(VectorOperators.EQ, i)).intoArray(dx, first + i * hw + p);
                    }
                }
                for (; p < hw; p++) {
                    int at = 0;
                    for (int i = 1; i < size; i++) {
                        if (x[first + i * hw + p] > x[first + at * hw + p]) {
                            at = i;
                        }
                    }
                    for (int i = 0; i < size; i++) {
                        dx[first + i * hw + p] = i == at ? dy[out + p] : 0f;
                    }
                }
            }
        });
    }
}
