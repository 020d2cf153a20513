package org.micronet.kernels.api;

/** Float32 {@link org.micronet.kernels.MaxGroupPoolingKernel}: max over consecutive groups of {@code size} channels. */
public interface MaxGroupPoolingF32 {
    /** [n][c][hw] to [n][c/size][hw]. */
    void forward(float[] x, float[] y, int n, int c, int size, int hw);

    /** Writes all of dx: each gradient goes to the first channel of its group holding the maximum. */
    void backward(float[] x, float[] dy, float[] dx, int n, int c, int size, int hw);
}
