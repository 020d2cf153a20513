package org.micronet.bench.kernels;

import org.micronet.kernels.ChannelPermutation;
import org.micronet.kernels.KernelProvider;
import org.micronet.kernels.api.PlanePermuteF32;
import org.micronet.layers.ChannelShuffle;
import org.micronet.layers.KernelBridge;
import org.micronet.models.ModelShapes;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Channel shuffle, the old path (ND4J dup, reshape-permute view, strided copy) against the
 * plane-permutation kernel with its bulk copies, both into a preallocated output, on M0's
 * shuffles at batch 128, 32x32 input and batch 1, 224x224. The backward pass is the same copy
 * with the inverse map.
 */
public final class ChannelShuffleBench {
    private ChannelShuffleBench() {
    }

    public static void main(String[] args) {
        PlanePermuteF32 fast = KernelProvider.fast(PlanePermuteF32.class, "PlanePermuteF32Vec");
        KernelTimer.header("channel shuffle");
        for (int size : new int[]{32, 224}) {
            int batch = size == 32 ? 128 : 1;
            for (ModelShapes.Use<ChannelShuffle> use : ModelShapes.of("m0", size, ChannelShuffle.class)) {
                int[] chw = ModelShapes.channelsAndPlane(use.input());
                shuffle(fast, batch, chw[0], chw[1], use.layer().getGroups());
            }
        }
    }

    private static void shuffle(PlanePermuteF32 fast, int n, int c, int hw, int groups) {
        int len = n * c * hw;
        INDArray in = Nd4j.randn(DataType.FLOAT, n, c, 1, hw);
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, n, c, 1, hw);
        int[] from = ChannelPermutation.shuffle(c, groups);
        float[] x = KernelBridge.read(in, new float[len]);
        float[] y = new float[len];
        KernelTimer.row(String.format("%dx%dx%d g=%d", n, c, hw, groups), 8.0 * len,
                () -> out.assign(in.dup('c').reshape('c', n, groups, c / groups, 1, hw).permute(0, 2, 1, 3, 4)
                        .reshape('c', n, c, 1, hw)),
                () -> {
                    fast.permute(KernelBridge.read(in, x), y, from, n, c, hw);
                    KernelBridge.assign(out, y);
                },
                () -> fast.permute(x, y, from, n, c, hw));
    }
}
