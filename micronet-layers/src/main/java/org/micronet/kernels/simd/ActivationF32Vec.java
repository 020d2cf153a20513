package org.micronet.kernels.simd;

import org.micronet.kernels.FusedActivation;
import org.micronet.kernels.Parallel;
import org.micronet.kernels.api.ActivationF32;

/**
 * One vector pass where ND4J ran an op chain (hard swish: five forward, ten backward) or a
 * scalar op that made a buffer outside any workspace each call (ReLU6), each a native call that
 * cost more than the arithmetic on the head's [1, 1024] vectors. Large arrays (MobileNetV3's
 * blocks in training) run in parallel chunks.
 */
public final class ActivationF32Vec implements ActivationF32 {
    private static final int CHUNK = 1 << 15;

    @Override
    public void forward(FusedActivation act, float[] x, int n) {
        Parallel.forEach(chunks(n), c -> ActivationLanes.apply(x, c * CHUNK, end(c, n), act));
    }

    @Override
    public void backward(FusedActivation act, float[] z, float[] dy, int n) {
        Parallel.forEach(chunks(n), c -> ActivationLanes.gate(z, dy, c * CHUNK, end(c, n), act));
    }

    private static int chunks(int n) {
        return (n + CHUNK - 1) / CHUNK;
    }

    private static int end(int chunk, int n) {
        return Math.min(n, (chunk + 1) * CHUNK);
    }
}
