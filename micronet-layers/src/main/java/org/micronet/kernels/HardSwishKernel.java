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
            x[i] *= Math.min(Math.max(x[i] + 3, 0), 6) / 6;
        }
    }

    /** dy becomes dx: 0 up to -3, (2x + 3) / 6 between, 1 from 3 on. */
    public static void backward(double[] x, double[] dy, int n) {
        for (int i = 0; i < n; i++) {
            double slope = x[i] <= -3 ? 0 : x[i] >= 3 ? 1 : (2 * x[i] + 3) / 6;
            dy[i] *= slope;
        }
    }
}
