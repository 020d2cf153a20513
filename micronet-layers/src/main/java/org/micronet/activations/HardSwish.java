package org.micronet.activations;

import org.micronet.kernels.HardSwishKernel;
import org.micronet.kernels.KernelProvider;
import org.micronet.kernels.api.HardSwishF32;
import org.micronet.layers.KernelBridge;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.BaseActivationFunction;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * MobileNetV3's hard swish x * relu6(x + 3) / 6, on {@link HardSwishF32} for FLOAT arrays and on
 * its double reference otherwise.
 */
public class HardSwish extends BaseActivationFunction {
    private static final HardSwishF32 FAST = KernelProvider.fast(HardSwishF32.class, "HardSwishF32Vec");
    /** Per thread: the values and the gradient, grown to the largest array seen. */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[2][0]);

    @Override
    public INDArray getActivation(INDArray in, boolean training) {
        int n = Math.toIntExact(in.length());
        HardSwishF32 k = KernelBridge.fastFor(FAST, in);
        if (k != null) {
            float[] x = KernelBridge.read(in, scratch(0, n));
            k.forward(x, n);
            KernelBridge.assign(in, x);
        } else {
            double[] x = KernelBridge.read(in);
            HardSwishKernel.forward(x, n);
            KernelBridge.assign(in, x);
        }
        return in;
    }

    @Override
    public Pair<INDArray, INDArray> backprop(INDArray in, INDArray epsilon) {
        assertShape(in, epsilon);
        int n = Math.toIntExact(in.length());
        HardSwishF32 k = KernelBridge.fastFor(FAST, in);
        if (k != null) {
            float[] dy = KernelBridge.read(epsilon, scratch(1, n));
            k.backward(KernelBridge.read(in, scratch(0, n)), dy, n);
            KernelBridge.assign(in, dy);
        } else {
            double[] dy = KernelBridge.read(epsilon);
            HardSwishKernel.backward(KernelBridge.read(in), dy, n);
            KernelBridge.assign(in, dy);
        }
        return new Pair<>(in, null);
    }

    private static float[] scratch(int slot, int n) {
        return KernelBridge.atLeast(SCRATCH.get(), slot, n);
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
