package org.micronet.layers.runtime;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.micronet.kernels.KernelProvider;
import org.micronet.kernels.MaxGroupPoolingKernel;
import org.micronet.kernels.api.MaxGroupPoolingF32;
import org.micronet.layers.KernelBridge;
import org.micronet.layers.MaxGroupPooling;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

public class MaxGroupPoolingLayer extends NoParamKernelLayer<MaxGroupPooling> {
    private static final MaxGroupPoolingF32 FAST = KernelProvider.fast(MaxGroupPoolingF32.class, "MaxGroupPoolingF32Vec");
    private static final int IN = 0, OUT = 1, GRAD = 2;

    public MaxGroupPoolingLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    protected INDArray forward(INDArray input, LayerWorkspaceMgr mgr) {
        long[] s = KernelBridge.nchw(input, layerConf().getLayerName());
        int size = layerConf().getSize();
        int n = (int) s[0], c = (int) s[1], hw = (int) (s[2] * s[3]);
        MaxGroupPoolingF32 k = KernelBridge.fastFor(FAST, input);
        if (k != null) {
            float[] y = scratch.pass(OUT, (long) n * (c / size) * hw);
            k.forward(KernelBridge.read(input, scratch.pass(IN, input.length())), y, n, c, size, hw);
            return KernelBridge.write(mgr, ArrayType.ACTIVATIONS, y, n, c / size, s[2], s[3]);
        }
        double[] y = new double[n * (c / size) * hw];
        MaxGroupPoolingKernel.forward(KernelBridge.read(input), y, n, c, size, hw);
        return KernelBridge.write(mgr, ArrayType.ACTIVATIONS, input.dataType(), y, n, c / size, s[2], s[3]);
    }

    @Override
    protected INDArray backward(INDArray input, INDArray epsilon, LayerWorkspaceMgr mgr) {
        long[] s = input.shape();
        int size = layerConf().getSize();
        int n = (int) s[0], c = (int) s[1], hw = (int) (s[2] * s[3]);
        MaxGroupPoolingF32 k = KernelBridge.fastFor(FAST, input);
        if (k != null) {
            float[] dx = scratch.pass(OUT, input.length());
            k.backward(KernelBridge.read(input, scratch.pass(IN, input.length())),
                    KernelBridge.read(epsilon, scratch.pass(GRAD, epsilon.length())), dx, n, c, size, hw);
            return KernelBridge.write(mgr, ArrayType.ACTIVATION_GRAD, dx, s);
        }
        double[] dx = new double[n * c * hw];
        MaxGroupPoolingKernel.backward(KernelBridge.read(input), KernelBridge.read(epsilon), dx, n, c, size, hw);
        return KernelBridge.write(mgr, ArrayType.ACTIVATION_GRAD, input.dataType(), dx, s);
    }
}
