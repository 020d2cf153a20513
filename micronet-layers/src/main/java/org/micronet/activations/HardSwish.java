package org.micronet.activations;

import org.micronet.kernels.FusedActivation;
import org.micronet.kernels.HardSwishKernel;
import org.micronet.layers.KernelBridge;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.BaseActivationFunction;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * MobileNetV3's hard swish x * relu6(x + 3) / 6, on the SIMD kernels for FLOAT arrays
 * ({@link FloatActivation}) and on its double reference otherwise.
 */
public class HardSwish extends BaseActivationFunction {
    @Override
    public INDArray getActivation(INDArray in, boolean training) {
        if (!FloatActivation.forward(FusedActivation.HARDSWISH, in)) {
            double[] x = KernelBridge.read(in);
            HardSwishKernel.forward(x, x.length);
            KernelBridge.assign(in, x);
        }
        return in;
    }

    @Override
    public Pair<INDArray, INDArray> backprop(INDArray in, INDArray epsilon) {
        assertShape(in, epsilon);
        if (!FloatActivation.backward(FusedActivation.HARDSWISH, in, epsilon)) {
            double[] dy = KernelBridge.read(epsilon);
            HardSwishKernel.backward(KernelBridge.read(in), dy, dy.length);
            KernelBridge.assign(in, dy);
        }
        return new Pair<>(in, null);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HardSwish;
    }

    @Override
    public int hashCode() {
        return HardSwish.class.hashCode();
    }

    @Override
    public String toString() {
        return "hardswish";
    }
}
