package org.micronet.layers.runtime;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.micronet.kernels.AxialConvKernel;
import org.micronet.layers.AxialConv;
import org.micronet.layers.KernelBridge;
import org.micronet.layers.params.AxialConvParams;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

public class AxialConvLayer extends KernelLayer<AxialConv> {

    public AxialConvLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    protected INDArray forward(INDArray input, boolean training, LayerWorkspaceMgr mgr) {
        AxialConv c = layerConf();
        long[] s = KernelBridge.nchw(input, c.getLayerName());
        AxialConvKernel.Geometry g = c.geometry((int) s[0], (int) s[2], (int) s[3]);
        double[] y = new double[g.n() * g.cout() * g.outHeight() * g.outWidth()];
        AxialConvKernel.forward(KernelBridge.read(input), param(AxialConvParams.WEIGHT), y, g);
        return KernelBridge.write(mgr, ArrayType.ACTIVATIONS, input.dataType(), y,
                g.n(), g.cout(), g.outHeight(), g.outWidth());
    }

    @Override
    protected INDArray backward(INDArray input, INDArray epsilon, LayerWorkspaceMgr mgr) {
        AxialConv c = layerConf();
        long[] s = input.shape();
        AxialConvKernel.Geometry g = c.geometry((int) s[0], (int) s[2], (int) s[3]);
        double[] dx = new double[(int) input.length()];
        double[] dw = new double[g.weightLength()];
        AxialConvKernel.backward(KernelBridge.read(input), param(AxialConvParams.WEIGHT), KernelBridge.read(epsilon),
                dx, dw, g);
        setGradient(AxialConvParams.WEIGHT, dw);
        return KernelBridge.write(mgr, ArrayType.ACTIVATION_GRAD, input.dataType(), dx, s);
    }
}
