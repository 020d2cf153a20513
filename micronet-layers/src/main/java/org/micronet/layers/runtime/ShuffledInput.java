package org.micronet.layers.runtime;

import org.micronet.kernels.ChannelPermutation;
import org.micronet.kernels.KernelProvider;
import org.micronet.kernels.api.PlanePermuteF32;
import org.micronet.layers.KernelBridge;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A conv's input read through the channel shuffles folded into it
 * ({@link org.micronet.layers.ConvParamLayer#getInputShuffles}): the plane copy a shuffle layer
 * made happens in the read the conv does anyway, and its gradient flows back through the inverse
 * map. With no shuffles, reads are plain.
 */
final class ShuffledInput {
    private static final PlanePermuteF32 FAST = KernelProvider.fast(PlanePermuteF32.class, "PlanePermuteF32Vec");

    private final int[] groups;
    /** The composed map for the channel count last seen, and its inverse. */
    private int[] from;
    private int[] back;

    ShuffledInput(int[] groups) {
        this.groups = groups;
    }

    /** x's values, shuffled, into {@code into}; with shuffles, x is first read into call-long slot {@code work}. */
    float[] read(INDArray x, FloatScratch scratch, int work, float[] into) {
        if (groups.length == 0) {
            return KernelBridge.read(x, into);
        }
        long[] s = x.shape();
        FAST.permute(KernelBridge.read(x, scratch.pass(work, x.length())), into, map((int) s[1], false), (int) s[0],
                (int) s[1], (int) (s[2] * s[3]));
        return into;
    }

    double[] read(INDArray x) {
        double[] v = KernelBridge.read(x);
        if (groups.length == 0) {
            return v;
        }
        long[] s = x.shape();
        return ChannelPermutation.apply(v, map((int) s[1], false), (int) s[0], (int) s[1], (int) (s[2] * s[3]));
    }

    /**
     * The gradient of the input from that of the shuffled input: {@code dxShuffled} itself with no
     * shuffles, else it unshuffled into call-long slot {@code work}.
     */
    float[] gradient(float[] dxShuffled, FloatScratch scratch, int work, long[] shape) {
        if (groups.length == 0) {
            return dxShuffled;
        }
        float[] dx = scratch.pass(work, (long) shape[0] * shape[1] * shape[2] * shape[3]);
        FAST.permute(dxShuffled, dx, map((int) shape[1], true), (int) shape[0], (int) shape[1],
                (int) (shape[2] * shape[3]));
        return dx;
    }

    double[] gradient(double[] dxShuffled, long[] shape) {
        if (groups.length == 0) {
            return dxShuffled;
        }
        return ChannelPermutation.apply(dxShuffled, map((int) shape[1], true), (int) shape[0], (int) shape[1],
                (int) (shape[2] * shape[3]));
    }

    private int[] map(int channels, boolean inverse) {
        if (from == null || from.length != channels) {
            from = ChannelPermutation.shuffles(channels, groups);
            back = ChannelPermutation.inverse(from);
        }
        return inverse ? back : from;
    }
}
