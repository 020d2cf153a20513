package org.micronet.kernels.api;

/**
 * Float32 hard swish in place on the first {@code n} values of flat arrays (which may be longer),
 * with the semantics of {@link org.micronet.kernels.HardSwishKernel}.
 */
public interface HardSwishF32 {
    /** x becomes hardswish(x). */
    void forward(float[] x, int n);

    /** dy becomes dy * hardswish'(x). */
    void backward(float[] x, float[] dy, int n);
}
