package org.micronet.layers.runtime;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.micronet.kernels.GroupedPointwiseKernel;
import org.micronet.layers.GroupAdaptivePointwiseConv;
import org.micronet.layers.KernelBridge;
import org.micronet.layers.params.GroupAdaptivePointwiseConvParams;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

public class GroupAdaptivePointwiseConvLayer extends KernelLayer<GroupAdaptivePointwiseConv> {

    public GroupAdaptivePointwiseConvLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    protected INDArray forward(INDArray input, boolean training, LayerWorkspaceMgr mgr) {
        GroupAdaptivePointwiseConv c = layerConf();
        long[] s = KernelBridge.nchw(input, c.getLayerName());
        int n = (int) s[0], hw = (int) (s[2] * s[3]);
        double[] y = new double[n * c.getNOut() * hw];
        GroupedPointwiseKernel.forward(KernelBridge.read(input), param(GroupAdaptivePointwiseConvParams.WEIGHT), y,
                n, c.getNIn(), c.getNOut(), c.getGroups(), hw);
        return KernelBridge.write(mgr, ArrayType.ACTIVATIONS, input.dataType(), y, n, c.getNOut(), s[2], s[3]);
    }

    @Override
    protected INDArray backward(INDArray input, INDArray epsilon, LayerWorkspaceMgr mgr) {
        GroupAdaptivePointwiseConv c = layerConf();
        long[] s = input.shape();
        int n = (int) s[0], hw = (int) (s[2] * s[3]);
        double[] dx = new double[n * c.getNIn() * hw];
        double[] dw = new double[(int) c.weightCount()];
        GroupedPointwiseKernel.backward(KernelBridge.read(input), param(GroupAdaptivePointwiseConvParams.WEIGHT),
                KernelBridge.read(epsilon), dx, dw, n, c.getNIn(), c.getNOut(), c.getGroups(), hw);
        setGradient(GroupAdaptivePointwiseConvParams.WEIGHT, dw);
        return KernelBridge.write(mgr, ArrayType.ACTIVATION_GRAD, input.dataType(), dx, s);
    }
}
