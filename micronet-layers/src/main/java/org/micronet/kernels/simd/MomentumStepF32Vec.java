package org.micronet.kernels.simd;

import jdk.incubator.vector.FloatVector;
import org.micronet.kernels.api.MomentumStepF32;

/**
 * One vector pass for the momentum step, where ND4J ran four ops (and made two scalar buffers)
 * per run of parameters sharing an updater. Multiply and add stay separate, not fused: the
 * result then equals ND4J's to the bit. Not parallel, like {@link L2PenaltyF32Vec}: a step calls
 * it once per updater block.
 */
public final class MomentumStepF32Vec implements MomentumStepF32 {
    @Override
    public void step(float[] velocity, float[] gradient, float momentum, float learningRate, int n) {
        FloatVector m = FloatVector.broadcast(Lanes.F, momentum);
        FloatVector lr = FloatVector.broadcast(Lanes.F, learningRate);
        int i = 0;
        for (int bound = Lanes.F.loopBound(n); i < bound; i += Lanes.N) {
            FloatVector v = FloatVector.fromArray(Lanes.F, velocity, i).mul(m).add(FloatVector.fromArray(Lanes.F, gradient, i));
            v.intoArray(velocity, i);
            v.mul(lr).intoArray(gradient, i);
        }
        for (; i < n; i++) {
            float v = velocity[i] * momentum + gradient[i];
            velocity[i] = v;
            gradient[i] = v * learningRate;
        }
    }
}
