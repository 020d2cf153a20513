package org.micronet.layers.runtime;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.micronet.kernels.ShiftMaxKernel;
import org.micronet.layers.DynamicShiftMax;
import org.micronet.layers.KernelBridge;
import org.micronet.layers.params.DynamicShiftMaxParams;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

public class DynamicShiftMaxLayer extends KernelLayer<DynamicShiftMax> {
    private transient ShiftMaxKernel kernel;
    /** Coefficients of the last training forward pass, which the backward pass reuses. */
    private transient ShiftMaxKernel.State trainingState;

    public DynamicShiftMaxLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private ShiftMaxKernel kernel() {
        if (kernel == null) {
            kernel = layerConf().kernel();
        }
        return kernel;
    }

    private double[][] kernelParams() {
        List<String> keys = DynamicShiftMaxParams.kernelOrder(layerConf());
        double[][] p = new double[keys.size()][];
        for (int i = 0; i < p.length; i++) {
            p[i] = param(keys.get(i));
        }
        return p;
    }

    @Override
    protected INDArray forward(INDArray input, boolean training, LayerWorkspaceMgr mgr) {
        long[] s = KernelBridge.nchw(input, layerConf().getLayerName());
        int n = (int) s[0], hw = (int) (s[2] * s[3]);
        double[] x = KernelBridge.read(input);
        ShiftMaxKernel.State st = kernel().coefficients(x, n, hw, kernelParams());
        trainingState = training ? st : null;
        double[] y = new double[x.length];
        kernel().fuse(x, st, y, n, hw);
        return KernelBridge.write(mgr, ArrayType.ACTIVATIONS, input.dataType(), y, s);
    }

    @Override
    protected INDArray backward(INDArray input, INDArray epsilon, LayerWorkspaceMgr mgr) {
        long[] s = input.shape();
        int n = (int) s[0], hw = (int) (s[2] * s[3]);
        double[] x = KernelBridge.read(input);
        double[][] params = kernelParams();
        ShiftMaxKernel.State st = trainingState != null ? trainingState : kernel().coefficients(x, n, hw, params);
        trainingState = null;
        double[][] grads = new double[params.length][];
        for (int i = 0; i < params.length; i++) {
            grads[i] = new double[params[i].length];
        }
        double[] dx = new double[x.length];
        kernel().backward(x, KernelBridge.read(epsilon), st, params, n, hw, dx, grads);
        List<String> keys = DynamicShiftMaxParams.kernelOrder(layerConf());
        for (int i = 0; i < grads.length; i++) {
            setGradient(keys.get(i), grads[i]);
        }
        return KernelBridge.write(mgr, ArrayType.ACTIVATION_GRAD, input.dataType(), dx, s);
    }
}
