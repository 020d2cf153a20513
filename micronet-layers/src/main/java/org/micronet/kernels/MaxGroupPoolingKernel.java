package org.micronet.kernels;

import java.util.Arrays;

/** Max over consecutive groups of {@code size} channels: [n][c][hw] -> [n][c/size][hw]. */
public final class MaxGroupPoolingKernel {
    private MaxGroupPoolingKernel() {
    }

    public static void forward(double[] x, double[] y, int n, int c, int size, int hw) {
        int co = c / size;
        for (int b = 0; b < n; b++) {
            for (int o = 0; o < co; o++) {
                int yOff = (b * co + o) * hw;
                int first = (b * c + o * size) * hw;
                System.arraycopy(x, first, y, yOff, hw);
                for (int i = 1; i < size; i++) {
                    int xOff = first + i * hw;
                    for (int p = 0; p < hw; p++) {
                        y[yOff + p] = Math.max(y[yOff + p], x[xOff + p]);
                    }
                }
            }
        }
    }

    /** The gradient goes to the first channel holding the maximum. */
    public static void backward(double[] x, double[] dy, double[] dx, int n, int c, int size, int hw) {
        int co = c / size;
        Arrays.fill(dx, 0, n * c * hw, 0.0);
        for (int b = 0; b < n; b++) {
            for (int o = 0; o < co; o++) {
                int first = (b * c + o * size) * hw;
                for (int p = 0; p < hw; p++) {
                    int best = first + p;
                    for (int i = 1; i < size; i++) {
                        if (x[first + i * hw + p] > x[best]) {
                            best = first + i * hw + p;
                        }
                    }
                    dx[best] += dy[(b * co + o) * hw + p];
                }
            }
        }
    }
}
