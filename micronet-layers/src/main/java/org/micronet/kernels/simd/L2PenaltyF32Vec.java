package org.micronet.kernels.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.micronet.kernels.api.L2PenaltyF32;

/**
 * One vector pass over a parameter array where ND4J ran an op (an axpy, a norm), whose fixed cost
 * outweighed the arithmetic on all but the largest arrays. Not parallel: a step calls it once per
 * parameter array, and even a 1000-class head's weights take a fraction of a millisecond.
 */
public final class L2PenaltyF32Vec implements L2PenaltyF32 {
    /** Float lanes add up this many values before their total moves into the double sum. */
    private static final int BLOCK = 1 << 10;

    @Override
    public void addGradient(float[] w, float[] g, float coefficient, int n) {
        FloatVector c = FloatVector.broadcast(Lanes.F, coefficient);
        int i = 0;
        for (int bound = Lanes.F.loopBound(n); i < bound; i += Lanes.N) {
            FloatVector.fromArray(Lanes.F, w, i).fma(c, FloatVector.fromArray(Lanes.F, g, i)).intoArray(g, i);
        }
        for (; i < n; i++) {
            g[i] = Math.fma(coefficient, w[i], g[i]);
        }
    }

    @Override
    public double sumOfSquares(float[] w, int n) {
        double sum = 0;
        int i = 0;
        for (int bound = Lanes.F.loopBound(n); i < bound; ) {
            FloatVector acc = FloatVector.zero(Lanes.F);
            for (int blockEnd = Math.min(bound, i + BLOCK); i < blockEnd; i += Lanes.N) {
                FloatVector v = FloatVector.fromArray(Lanes.F, w, i);
                acc = v.fma(v, acc);
            }
            sum += acc.reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) {
            sum += (double) w[i] * w[i];
        }
        return sum;
    }
}
