package org.micronet.kernels.api;

import org.micronet.kernels.FusedActivation;

/**
 * Float32 grouped 1x1 convolution, the fast counterpart of
 * {@link org.micronet.kernels.GroupedPointwiseKernel} with the same layouts and parameters:
 * activations {@code [n][c][hw]}, weight {@code [cout][cin/groups]}.
 *
 * <p>Arrays may be longer than the shape needs (scratch sized for a larger batch) and may hold
 * stale values: lengths come from the shape, and every output element is written, never
 * accumulated into. {@code scratch} holds at least {@link #scratchFloats} floats; its contents
 * on entry do not matter. Implementations are stateless and shared by all threads.
 */
public interface PointwiseGroupedF32 {

    /** Floats of scratch that {@link #forward} and {@link #backward} need for this shape (may be 0). */
    int scratchFloats(int n, int cin, int cout, int groups, int hw);

    /** {@code y = conv(x, w)}. */
    default void forward(float[] x, float[] w, float[] y, float[] scratch,
                         int n, int cin, int cout, int groups, int hw) {
        forward(x, w, null, FusedActivation.NONE, y, scratch, n, cin, cout, groups, hw);
    }

    /**
     * {@code y = act(conv(x, w) + bias)}, {@code bias} per output channel (null: none): a conv
     * with its batch norm and activation folded in for inference, in one pass over y.
     */
    void forward(float[] x, float[] w, float[] bias, FusedActivation act, float[] y, float[] scratch,
                 int n, int cin, int cout, int groups, int hw);

    /** {@code dx} and {@code dw} (the weight gradient summed over the batch) from the output gradient {@code dy}. */
    void backward(float[] x, float[] w, float[] dy, float[] dx, float[] dw, float[] scratch,
                  int n, int cin, int cout, int groups, int hw);
}
