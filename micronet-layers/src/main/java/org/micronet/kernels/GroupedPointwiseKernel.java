package org.micronet.kernels;

/**
 * 1x1 convolution with a block-diagonal weight (G groups) on NCHW data flattened to
 * {@code [n][c][hw]}. The weight is {@code [cout][cin/G]}, PyTorch's layout without the 1x1 tail.
 */
public final class GroupedPointwiseKernel {
    private GroupedPointwiseKernel() {
    }

    public static void forward(double[] x, double[] w, double[] y,
                               int n, int cin, int cout, int groups, int hw) {
        int cig = cin / groups;
        int cog = cout / groups;
        java.util.Arrays.fill(y, 0, n * cout * hw, 0.0);
        Parallel.forEach(n, b -> {
            for (int g = 0; g < groups; g++) {
                for (int o = 0; o < cog; o++) {
                    int oc = g * cog + o;
                    int yOff = (b * cout + oc) * hw;
                    for (int i = 0; i < cig; i++) {
                        double wv = w[oc * cig + i];
                        int xOff = (b * cin + g * cig + i) * hw;
                        for (int p = 0; p < hw; p++) {
                            y[yOff + p] += wv * x[xOff + p];
                        }
                    }
                }
            }
        });
    }

    /** Writes (not accumulates) {@code dx} and {@code dw}; groups run in parallel (their dx and dw are disjoint). */
    public static void backward(double[] x, double[] w, double[] dy, double[] dx, double[] dw,
                                int n, int cin, int cout, int groups, int hw) {
        int cig = cin / groups;
        int cog = cout / groups;
        java.util.Arrays.fill(dx, 0, n * cin * hw, 0.0);
        java.util.Arrays.fill(dw, 0, cout * cig, 0.0);
        Parallel.forEach(groups, g -> {
            for (int b = 0; b < n; b++) {
                for (int o = 0; o < cog; o++) {
                    int oc = g * cog + o;
                    int yOff = (b * cout + oc) * hw;
                    for (int i = 0; i < cig; i++) {
                        int xOff = (b * cin + g * cig + i) * hw;
                        double wv = w[oc * cig + i];
                        // two passes: the axpy vectorises, the dot product (a reduction) does not
                        for (int p = 0; p < hw; p++) {
                            dx[xOff + p] += wv * dy[yOff + p];
                        }
                        double acc = 0;
                        for (int p = 0; p < hw; p++) {
                            acc += dy[yOff + p] * x[xOff + p];
                        }
                        dw[oc * cig + i] += acc;
                    }
                }
            }
        });
    }
}
