package org.micronet.layers.runtime;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.micronet.kernels.MaxGroupPoolingKernel;
import org.micronet.layers.KernelBridge;
import org.micronet.layers.MaxGroupPooling;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

public class MaxGroupPoolingLayer extends NoParamKernelLayer<MaxGroupPooling> {

    public MaxGroupPoolingLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    protected INDArray forward(INDArray input, LayerWorkspaceMgr mgr) {
        long[] s = KernelBridge.nchw(input, layerConf().getLayerName());
        int size = layerConf().getSize();
        int n = (int) s[0], c = (int) s[1], hw = (int) (s[2] * s[3]);
        double[] y = new double[n * (c / size) * hw];
        MaxGroupPoolingKernel.forward(KernelBridge.read(input), y, n, c, size, hw);
        return KernelBridge.write(mgr, ArrayType.ACTIVATIONS, input.dataType(), y, n, c / size, s[2], s[3]);
    }

    @Override
    protected INDArray backward(INDArray input, INDArray epsilon, LayerWorkspaceMgr mgr) {
        long[] s = input.shape();
        int size = layerConf().getSize();
        int n = (int) s[0], c = (int) s[1], hw = (int) (s[2] * s[3]);
        double[] dx = new double[n * c * hw];
        MaxGroupPoolingKernel.backward(KernelBridge.read(input), KernelBridge.read(epsilon), dx, n, c, size, hw);
        return KernelBridge.write(mgr, ArrayType.ACTIVATION_GRAD, input.dataType(), dx, s);
    }
}
