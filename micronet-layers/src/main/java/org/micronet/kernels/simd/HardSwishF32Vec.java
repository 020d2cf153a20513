package org.micronet.kernels.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.micronet.kernels.Parallel;
import org.micronet.kernels.api.HardSwishF32;

/**
 * One vector pass where ND4J's op chain took five (forward) or ten (backward), each a native
 * call that cost more than the arithmetic on the head's [1, 1024] vectors. Large arrays (the
 * MobileNetV3 blocks in training) run in parallel chunks.
 */
public final class HardSwishF32Vec implements HardSwishF32 {
    private static final int CHUNK = 1 << 15;
    private static final float SIXTH = 1f / 6;

    @Override
    public void forward(float[] x, int n) {
        chunks(n, (from, to) -> {
            int i = from;
            for (int bound = from + Lanes.F.loopBound(to - from); i < bound; i += Lanes.N) {
                FloatVector v = FloatVector.fromArray(Lanes.F, x, i);
                v.mul(v.add(3f).max(0f).min(6f).mul(SIXTH)).intoArray(x, i);
            }
            for (; i < to; i++) {
                x[i] *= Math.min(Math.max(x[i] + 3f, 0f), 6f) * SIXTH;
            }
        });
    }

    @Override
    public void backward(float[] x, float[] dy, int n) {
        chunks(n, (from, to) -> {
            int i = from;
            for (int bound = from + Lanes.F.loopBound(to - from); i < bound; i += Lanes.N) {
                FloatVector v = FloatVector.fromArray(Lanes.F, x, i);
                // (2x + 3) / 6 between -3 and 3, 0 below, 1 above
                FloatVector slope = v.mul(2 * SIXTH).add(0.5f)
                        .blend(0f, v.compare(VectorOperators.LE, -3f))
                        .blend(1f, v.compare(VectorOperators.GE, 3f));
                FloatVector.fromArray(Lanes.F, dy, i).mul(slope).intoArray(dy, i);
            }
            for (; i < to; i++) {
                dy[i] *= x[i] <= -3f ? 0f : x[i] >= 3f ? 1f : x[i] * (2 * SIXTH) + 0.5f;
            }
        });
    }

    private interface Range {
        void run(int from, int to);
    }

    private static void chunks(int n, Range body) {
        Parallel.forEach((n + CHUNK - 1) / CHUNK, c -> body.run(c * CHUNK, Math.min(n, (c + 1) * CHUNK)));
    }
}
