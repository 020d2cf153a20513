package org.micronet.kernels.api;

import org.micronet.kernels.GroupedConvKernel;
import org.micronet.kernels.GroupedConvKernel.Geometry;

/**
 * The float32 grouped convolution: the operation of {@link GroupedConvKernel} (kh x kw,
 * channel groups, strides, zero padding kh/2 and kw/2) on the same layouts: x
 * {@code [n][cin][height][width]}, w {@code [cout][cin/groups][kh][kw]}, y
 * {@code [n][cout][outHeight][outWidth]}.
 *
 * <p>Arrays may be longer than the geometry needs and may hold stale data; implementations
 * read and write only the leading elements the geometry gives, and write every one of those
 * they produce. Implementations are shared by all threads, so the working memory they need
 * comes from the caller: {@code scratch}, at least {@link #scratchLength} floats, contents
 * irrelevant.
 */
public interface GroupedConvF32 {

    /** Floats of scratch {@link #forward} and {@link #backward} need for {@code g}. */
    int scratchLength(Geometry g);

    /** Writes y. */
    void forward(float[] x, float[] w, float[] y, Geometry g, float[] scratch);

    /** Writes (not accumulates) dx, the gradient of x, and dw, the gradient of w, from dy. */
    void backward(float[] x, float[] w, float[] dy, float[] dx, float[] dw, Geometry g, float[] scratch);
}
