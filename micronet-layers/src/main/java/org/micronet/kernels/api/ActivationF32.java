package org.micronet.kernels.api;

import org.micronet.kernels.FusedActivation;

/**
 * A {@link FusedActivation} standing alone (an activation layer no kernel before it could take),
 * in place on the first {@code n} values of flat float arrays (which may be longer), with the
 * semantics of the enum's double {@code apply} and {@code slope}.
 */
public interface ActivationF32 {
    /** x becomes act(x). */
    void forward(FusedActivation act, float[] x, int n);

    /** z (the values before the activation) becomes dy * act'(z). */
    void backward(FusedActivation act, float[] z, float[] dy, int n);
}
