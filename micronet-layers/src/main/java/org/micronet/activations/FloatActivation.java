package org.micronet.activations;

import org.micronet.kernels.FusedActivation;
import org.micronet.kernels.KernelProvider;
import org.micronet.kernels.api.ActivationF32;
import org.micronet.layers.KernelBridge;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The activations' FLOAT path: {@link ActivationF32} on the array's values, in place, as DL4J's
 * activation functions work. Each method returns false, having done nothing, when the array is
 * not FLOAT or this JVM runs no SIMD kernels; the caller then takes its reference.
 */
final class FloatActivation {
    private static final ActivationF32 FAST = KernelProvider.fast(ActivationF32.class, "ActivationF32Vec");
    /** Per thread: the values and the gradient, grown to the largest array seen. */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[2][0]);

    private FloatActivation() {
    }

    /** in becomes act(in). */
    static boolean forward(FusedActivation act, INDArray in) {
        ActivationF32 k = KernelBridge.fastFor(FAST, in);
        if (k == null) {
            return false;
        }
        int n = Math.toIntExact(in.length());
        float[] x = KernelBridge.read(in, scratch(0, n));
        k.forward(act, x, n);
        KernelBridge.assign(in, x);
        return true;
    }

    /** in (the values before the activation) becomes epsilon * act'(in). */
    static boolean backward(FusedActivation act, INDArray in, INDArray epsilon) {
        ActivationF32 k = KernelBridge.fastFor(FAST, in);
        if (k == null || epsilon.dataType() != in.dataType()) {
            return false;
        }
        int n = Math.toIntExact(in.length());
        float[] z = KernelBridge.read(in, scratch(0, n));
        k.backward(act, z, KernelBridge.read(epsilon, scratch(1, n)), n);
        KernelBridge.assign(in, z);
        return true;
    }

    private static float[] scratch(int slot, int n) {
        return KernelBridge.atLeast(SCRATCH.get(), slot, n);
    }
}
