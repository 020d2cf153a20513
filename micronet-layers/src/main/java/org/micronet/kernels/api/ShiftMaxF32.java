package org.micronet.kernels.api;

import org.micronet.kernels.ChannelPermutation;

/**
 * Dynamic Shift-Max in float32, with the semantics of {@link org.micronet.kernels.ShiftMaxKernel}
 * (coefficient order, parameter layouts, ties in the maximum going to the first fusion).
 *
 * <p>Data is NCHW flattened to {@code [n][c][hw]}. The caller owns every array: {@code state}
 * ({@link Config#stateLength}) carries the hyper-function's values from
 * {@link #coefficients} to {@link #fuse} and {@link #backward}, and must not change between
 * them; {@code work} ({@link #workLength}) is scratch. Arrays may be longer than needed
 * and hold stale data. Parameters and gradients are in {@link org.micronet.kernels.ShiftMaxKernel}'s
 * order: dynamic {w1, b1, w2, b2}, static {coef}; every gradient element is overwritten.
 */
public interface ShiftMaxF32 {

    /** Floats of scratch the calls below need for n images of hw pixels. */
    int workLength(Config cfg, int n, int hw);

    /** The pooled means, hidden layer and coefficients of {@code n} images, from x and the parameters. */
    void coefficients(Config cfg, int n, int hw, float[] x, float[][] params, float[] state, float[] work);

    /** {@code y = max_k sum_j a^k_{c,j} * xhat^j_c} with the coefficients in {@code state}. */
    void fuse(Config cfg, int n, int hw, float[] x, float[] state, float[] work, float[] y);

    /** Writes dx and the parameter gradients; recomputes which fusion won from x. */
    void backward(Config cfg, int n, int hw, float[] x, float[] dy, float[][] params, float[] state,
                  float[] work, float[] dx, float[][] grads);

    /**
     * One layer's settings, built once. {@code shiftMaps[j][c]} is the input channel the j-th
     * shifted copy reads for channel c ({@code shiftMaps[0]} is the identity); offsets are per
     * (k, j) at {@code k*J + j}.
     *
     * <p>State layout for n images, dynamic: pooled {@code [n][C]}, hidden {@code [n][s]},
     * pre-sigmoid z {@code [n][q]}, coefficients {@code [n][q]}, with q = K*J*C in (k, j, c)
     * order; static: the coefficients {@code [q]}, shared by all images.
     */
    record Config(int channels, int squeeze, int shifts, int fusions, boolean dynamic, double actMax,
                  double[] offsets, int[][] shiftMaps) {

        public static Config of(int channels, int shiftGroups, int squeeze, int shifts, int fusions,
                                boolean dynamic, double actMax, double[] offsets) {
            return new Config(channels, dynamic ? squeeze : 0, shifts, fusions, dynamic, actMax, offsets.clone(),
                    ChannelPermutation.groupShiftPowers(channels, shiftGroups, shifts));
        }

        /** q = K*J*C. */
        public int coefficientCount() {
            return fusions * shifts * channels;
        }

        public int hiddenAt(int n) {
            return n * channels;
        }

        public int preSigmoidAt(int n) {
            return n * (channels + squeeze);
        }

        public int coefAt(int n) {
            return dynamic ? n * (channels + squeeze + coefficientCount()) : 0;
        }

        /** Distance between two images' coefficients in the state: 0 when static. */
        public int coefStride() {
            return dynamic ? coefficientCount() : 0;
        }

        public int stateLength(int n) {
            return coefAt(n) + (dynamic ? n : 1) * coefficientCount();
        }
    }
}
