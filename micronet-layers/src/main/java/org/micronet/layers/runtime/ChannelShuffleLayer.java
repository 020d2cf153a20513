package org.micronet.layers.runtime;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.micronet.kernels.ChannelPermutation;
import org.micronet.kernels.KernelProvider;
import org.micronet.kernels.api.PlanePermuteF32;
import org.micronet.layers.ChannelShuffle;
import org.micronet.layers.KernelBridge;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A reshape-transpose-reshape; its gradient is the inverse shuffle, shuffle(C/g). FLOAT arrays
 * take one pass of plane copies by the channel map instead of ND4J's copies of a permuted view.
 */
public class ChannelShuffleLayer extends NoParamKernelLayer<ChannelShuffle> {
    private static final PlanePermuteF32 FAST = KernelProvider.fast(PlanePermuteF32.class, "PlanePermuteF32Vec");
    private static final int IN = 0, OUT = 1;

    /** The shuffle's channel map for the channel count last seen, and its inverse. */
    private transient int[] shuffle;
    private transient int[] unshuffle;

    public ChannelShuffleLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    protected INDArray forward(INDArray input, LayerWorkspaceMgr mgr) {
        PlanePermuteF32 k = KernelBridge.fastFor(FAST, input);
        if (k != null) {
            return permute(k, input, map(input.size(1), false), ArrayType.ACTIVATIONS, mgr);
        }
        return shuffle(input, layerConf().getGroups(), ArrayType.ACTIVATIONS, mgr);
    }

    @Override
    protected INDArray backward(INDArray input, INDArray epsilon, LayerWorkspaceMgr mgr) {
        long c = input.size(1);
        PlanePermuteF32 k = KernelBridge.fastFor(FAST, epsilon);
        if (k != null) {
            return permute(k, epsilon, map(c, true), ArrayType.ACTIVATION_GRAD, mgr);
        }
        return shuffle(epsilon, (int) (c / layerConf().getGroups()), ArrayType.ACTIVATION_GRAD, mgr);
    }

    private INDArray shuffle(INDArray x, int groups, ArrayType type, LayerWorkspaceMgr mgr) {
        long[] s = KernelBridge.nchw(x, layerConf().getLayerName());
        INDArray grouped = x.dup('c').reshape('c', s[0], groups, s[1] / groups, s[2], s[3]).permute(0, 2, 1, 3, 4);
        return mgr.dup(type, grouped, 'c').reshape('c', s[0], s[1], s[2], s[3]);
    }

    private int[] map(long channels, boolean inverse) {
        if (shuffle == null || shuffle.length != channels) {
            shuffle = ChannelPermutation.shuffle((int) channels, layerConf().getGroups());
            unshuffle = ChannelPermutation.inverse(shuffle);
        }
        return inverse ? unshuffle : shuffle;
    }

    private INDArray permute(PlanePermuteF32 k, INDArray x, int[] from, ArrayType type, LayerWorkspaceMgr mgr) {
        long[] s = KernelBridge.nchw(x, layerConf().getLayerName());
        long len = x.length();
        float[] y = scratch.pass(OUT, len);
        k.permute(KernelBridge.read(x, scratch.pass(IN, len)), y, from, (int) s[0], (int) s[1], (int) (s[2] * s[3]));
        return KernelBridge.write(mgr, type, y, s);
    }
}
