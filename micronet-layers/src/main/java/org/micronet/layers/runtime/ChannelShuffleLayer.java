package org.micronet.layers.runtime;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.micronet.layers.ChannelShuffle;
import org.micronet.layers.KernelBridge;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** A reshape-transpose-reshape; its gradient is the inverse shuffle, shuffle(C/g). */
public class ChannelShuffleLayer extends NoParamKernelLayer<ChannelShuffle> {

    public ChannelShuffleLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    protected INDArray forward(INDArray input, LayerWorkspaceMgr mgr) {
        return shuffle(input, layerConf().getGroups(), ArrayType.ACTIVATIONS, mgr);
    }

    @Override
    protected INDArray backward(INDArray input, INDArray epsilon, LayerWorkspaceMgr mgr) {
        long c = input.size(1);
        return shuffle(epsilon, (int) (c / layerConf().getGroups()), ArrayType.ACTIVATION_GRAD, mgr);
    }

    private INDArray shuffle(INDArray x, int groups, ArrayType type, LayerWorkspaceMgr mgr) {
        long[] s = KernelBridge.nchw(x, layerConf().getLayerName());
        INDArray grouped = x.dup('c').reshape('c', s[0], groups, s[1] / groups, s[2], s[3]).permute(0, 2, 1, 3, 4);
        return mgr.dup(type, grouped, 'c').reshape('c', s[0], s[1], s[2], s[3]);
    }
}
