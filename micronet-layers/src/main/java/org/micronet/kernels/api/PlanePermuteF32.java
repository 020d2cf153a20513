package org.micronet.kernels.api;

/**
 * Copies whole planes of {@code [n][c][hw]} data by a channel map: plane {@code (b, o)} of y is
 * plane {@code (b, from[o])} of x. A channel shuffle is {@link org.micronet.kernels.ChannelPermutation#shuffle}
 * as the map, its gradient the inverse map.
 */
public interface PlanePermuteF32 {
    void permute(float[] x, float[] y, int[] from, int n, int c, int hw);
}
