package org.micronet.layers.runtime;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.micronet.kernels.AxialConvKernel;
import org.micronet.kernels.KernelProvider;
import org.micronet.kernels.api.AxialConvF32;
import org.micronet.layers.AxialConv;
import org.micronet.layers.KernelBridge;
import org.micronet.layers.params.AxialConvParams;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

public class AxialConvLayer extends KernelLayer<AxialConv> {
    private static final AxialConvF32 FAST = KernelProvider.fast(AxialConvF32.class, "AxialConvF32Vec");
    private static final int X = 0;
    private static final int W = 1;
    private static final int Y = 2;
    private static final int WORK = 3;
    private static final int DY = 4;
    private static final int DX = 5;
    private static final int DW = 6;

    public AxialConvLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    protected INDArray forward(INDArray input, boolean training, LayerWorkspaceMgr mgr) {
        AxialConv c = layerConf();
        long[] s = KernelBridge.nchw(input, c.getLayerName());
        AxialConvKernel.Geometry g = c.geometry((int) s[0], (int) s[2], (int) s[3]);
        AxialConvF32 k = KernelBridge.fastFor(FAST, input);
        if (k == null) {
            double[] y = new double[g.n() * g.cout() * g.outHeight() * g.outWidth()];
            AxialConvKernel.forward(KernelBridge.read(input), param(AxialConvParams.WEIGHT), y, g);
            return KernelBridge.write(mgr, ArrayType.ACTIVATIONS, input.dataType(), y,
                    g.n(), g.cout(), g.outHeight(), g.outWidth());
        }
        float[] y = scratch.pass(Y, (long) g.n() * g.cout() * g.outHeight() * g.outWidth());
        k.forward(KernelBridge.read(input, scratch.pass(X, input.length())), param(AxialConvParams.WEIGHT, W), y, g,
                scratch.pass(WORK, k.scratchLength(g)));
        return KernelBridge.write(mgr, ArrayType.ACTIVATIONS, y, g.n(), g.cout(), g.outHeight(), g.outWidth());
    }

    @Override
    protected INDArray backward(INDArray input, INDArray epsilon, LayerWorkspaceMgr mgr) {
        AxialConv c = layerConf();
        long[] s = input.shape();
        AxialConvKernel.Geometry g = c.geometry((int) s[0], (int) s[2], (int) s[3]);
        AxialConvF32 k = KernelBridge.fastFor(FAST, input);
        if (k == null) {
            double[] dx = new double[(int) input.length()];
            double[] dw = new double[g.weightLength()];
            AxialConvKernel.backward(KernelBridge.read(input), param(AxialConvParams.WEIGHT), KernelBridge.read(epsilon),
                    dx, dw, g);
            setGradient(AxialConvParams.WEIGHT, dw);
            return KernelBridge.write(mgr, ArrayType.ACTIVATION_GRAD, input.dataType(), dx, s);
        }
        float[] dx = scratch.pass(DX, input.length());
        float[] dw = scratch.get(DW, g.weightLength());
        k.backward(KernelBridge.read(input, scratch.pass(X, input.length())), param(AxialConvParams.WEIGHT, W),
                KernelBridge.read(epsilon, scratch.pass(DY, epsilon.length())), dx, dw, g,
                scratch.pass(WORK, k.scratchLength(g)));
        setGradient(AxialConvParams.WEIGHT, dw);
        return KernelBridge.write(mgr, ArrayType.ACTIVATION_GRAD, dx, s);
    }
}
