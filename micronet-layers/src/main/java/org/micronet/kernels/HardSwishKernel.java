package org.micronet.kernels;

/**
 * MobileNetV3's hard swish {@code x * relu6(x + 3) / 6} and its gradient, elementwise and in
 * place on the first {@code n} values: the double reference of
 * {@link org.micronet.kernels.api.HardSwishF32}.
 */
public final class HardSwishKernel {
    private HardSwishKernel() {
    }

    public static void forward(double[] x, int n) {
        for (int i = 0; i < n; i++) {
            x[i] = FusedActivation.HARDSWISH.apply(x[i]);
        }
    }

    /** dy becomes dx: 0 up to -3, (2x + 3) / 6 between, 1 from 3 on. */
    public static void backward(double[] x, double[] dy, int n) {
        for (int i = 0; i < n; i++) {
            dy[i] *= FusedActivation.HARDSWISH.slope(x[i]);
        }
    }
}
