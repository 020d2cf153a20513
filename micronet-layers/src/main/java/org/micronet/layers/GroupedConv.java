package org.micronet.layers;

import org.micronet.kernels.GroupedConvKernel;

/**
 * A layer configuration that {@link GroupedConvKernel} computes: the axial conv and the k x k
 * depthwise conv share one runtime layer, one parameter initializer and one pair of kernels.
 */
public interface GroupedConv {

    /** The kernel's view of this layer on a batch of n images of height x width. */
    GroupedConvKernel.Geometry geometry(int n, int height, int width);

    /** The shape of the weight "W", whose c-order memory is the kernel's {@code [cout][cin/groups][kh][kw]}. */
    long[] weightShape();
}
