package org.micronet.layers.runtime;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.micronet.kernels.KernelProvider;
import org.micronet.kernels.ShiftMaxKernel;
import org.micronet.kernels.api.ShiftMaxF32;
import org.micronet.layers.DynamicShiftMax;
import org.micronet.layers.KernelBridge;
import org.micronet.layers.params.DynamicShiftMaxParams;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

public class DynamicShiftMaxLayer extends KernelLayer<DynamicShiftMax> {
    private static final ShiftMaxF32 FAST = KernelProvider.fast(ShiftMaxF32.class, "ShiftMaxF32Vec");
    private static final int X = 0, Y = 1, DY = 2, DX = 3, WORK = 4;
    /** Kept from a training forward pass to the backward pass. */
    private static final int STATE = 5;
    /** Parameter i at slot PARAMS + i, its gradient at GRADS + i. */
    private static final int PARAMS = 6, GRADS = 10;

    private transient ShiftMaxKernel kernel;
    /** Coefficients of the last training forward pass, which the backward pass reuses. */
    private transient ShiftMaxKernel.State trainingState;
    private transient ShiftMaxF32.Config f32Config;
    /** Whether the STATE slot holds the last training forward pass's coefficients. */
    private transient boolean f32StateReady;
    /** Parameter names in the kernels' order, and holders for their float copies and gradients. */
    private transient List<String> keys;
    private transient float[][] f32Params;
    private transient float[][] f32Grads;

    public DynamicShiftMaxLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private ShiftMaxKernel kernel() {
        if (kernel == null) {
            kernel = layerConf().kernel();
        }
        return kernel;
    }

    private ShiftMaxF32.Config f32Config() {
        if (f32Config == null) {
            f32Config = layerConf().f32Config();
        }
        return f32Config;
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
        ShiftMaxF32 fast = KernelBridge.fastFor(FAST, input);
        if (fast != null) {
            float[] x = KernelBridge.read(input, scratch.pass(X, input.length()));
            float[] state = f32Coefficients(fast, x, f32Params(), n, hw);
            f32StateReady = training;
            float[] y = scratch.pass(Y, input.length());
            ShiftMaxF32.Config cfg = f32Config();
            fast.fuse(cfg, n, hw, x, state, scratch.pass(WORK, fast.workLength(cfg, n, hw)), y);
            return KernelBridge.write(mgr, ArrayType.ACTIVATIONS, y, s);
        }
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
        ShiftMaxF32 fast = KernelBridge.fastFor(FAST, input);
        if (fast != null) {
            return f32Backward(fast, input, epsilon, n, hw, mgr);
        }
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

    private float[] f32Coefficients(ShiftMaxF32 fast, float[] x, float[][] params, int n, int hw) {
        ShiftMaxF32.Config cfg = f32Config();
        float[] state = scratch.get(STATE, cfg.stateLength(n));
        fast.coefficients(cfg, n, hw, x, params, state, scratch.pass(WORK, fast.workLength(cfg, n, hw)));
        return state;
    }

    private INDArray f32Backward(ShiftMaxF32 fast, INDArray input, INDArray epsilon, int n, int hw,
                                 LayerWorkspaceMgr mgr) {
        ShiftMaxF32.Config cfg = f32Config();
        float[] x = KernelBridge.read(input, scratch.pass(X, input.length()));
        float[][] params = f32Params();
        float[] state = f32StateReady ? scratch.get(STATE, cfg.stateLength(n)) : f32Coefficients(fast, x, params, n, hw);
        f32StateReady = false;
        for (int i = 0; i < f32Grads.length; i++) {
            f32Grads[i] = scratch.get(GRADS + i, getParam(keys.get(i)).length());
        }
        float[] dx = scratch.pass(DX, input.length());
        fast.backward(cfg, n, hw, x, KernelBridge.read(epsilon, scratch.pass(DY, epsilon.length())), params,
                state, scratch.pass(WORK, fast.workLength(cfg, n, hw)), dx, f32Grads);
        for (int i = 0; i < f32Grads.length; i++) {
            setGradient(keys.get(i), f32Grads[i]);
        }
        return KernelBridge.write(mgr, ArrayType.ACTIVATION_GRAD, dx, input.shape());
    }

    /** The parameters in the kernels' order, read into their scratch slots. */
    private float[][] f32Params() {
        if (keys == null) {
            keys = DynamicShiftMaxParams.kernelOrder(layerConf());
            f32Params = new float[keys.size()][];
            f32Grads = new float[keys.size()][];
        }
        for (int i = 0; i < f32Params.length; i++) {
            f32Params[i] = param(keys.get(i), PARAMS + i);
        }
        return f32Params;
    }
}
