package org.micronet.kernels.api;

/**
 * Heavy-ball momentum on the first {@code n} values of flat float arrays (which may be longer),
 * as PyTorch's SGD: {@code v = momentum * v + g}, then the step {@code g = lr * v} that DL4J
 * subtracts from the parameters. Each product and sum is rounded as separate float operations,
 * as ND4J's element-wise ops (its double reference on DOUBLE arrays) round them.
 */
public interface MomentumStepF32 {
    void step(float[] velocity, float[] gradient, float momentum, float learningRate, int n);
}
