package org.micronet.kernels.api;

import java.nio.ByteBuffer;

/**
 * Float32 fully connected layer for one image (inference): {@code y = x W + b}. W is k x n in
 * DL4J's layout for a dense layer's weight ('f' order: column j's k weights one after another),
 * read in place from a native-order buffer: the parameters live off the Java heap, and copying a
 * classifier head's megabytes into an array every pass would take longer than the product.
 * Implementations are stateless and shared by all threads.
 */
public interface LinearF32 {

    /** {@code y[j] = b[j] + sum_i x[i] w[i][j]} for j < n; {@code bias} null: none. */
    void forward(float[] x, ByteBuffer w, float[] bias, float[] y, int k, int n);
}
