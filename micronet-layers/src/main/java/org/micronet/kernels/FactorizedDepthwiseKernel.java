package org.micronet.kernels;

/**
 * Micro-Factorized depthwise convolution at inference, its batch norms folded into biases: a
 * k x 1 conv (channel groups, stride along height) with a bias, then a 1 x k depthwise conv
 * (multiplier {@code out / mid}, stride along width) with a bias, then the activation after the
 * pair (or none). Layouts as {@link GroupedConvKernel}'s: x
 * {@code [n][cin][height][width]}, w0 {@code [mid][cin/groups][k]}, w1 {@code [out][1][k]},
 * y {@code [n][out][outHeight][outWidth]}. This reference runs the two convs of
 * {@link GroupedConvKernel} one after the other, through the whole intermediate.
 */
public final class FactorizedDepthwiseKernel {
    private FactorizedDepthwiseKernel() {
    }

    /** {@code groups}: of the k x 1 conv; the 1 x k conv is depthwise. */
    public record Geometry(int n, int cin, int mid, int out, int groups, int height, int width, int k, int stride,
                           FusedActivation activation) {
        public Geometry {
            if (cin % groups != 0 || mid % groups != 0 || out % mid != 0) {
                throw new IllegalArgumentException("channels in " + cin + ", mid " + mid + ", out " + out + " with "
                        + groups + " groups: expected in and mid divisible by the groups and out by mid");
            }
        }

        /** The k x 1 conv. */
        public GroupedConvKernel.Geometry first() {
            return GroupedConvKernel.Geometry.axial(n, cin, mid, groups, height, width, k, stride, true);
        }

        /** The 1 x k conv. */
        public GroupedConvKernel.Geometry second() {
            return GroupedConvKernel.Geometry.axial(n, mid, out, mid, first().outHeight(), width, k, stride, false);
        }

        public int outHeight() {
            return first().outHeight();
        }

        public int outWidth() {
            return second().outWidth();
        }
    }

    /** Writes y. */
    public static void forward(double[] x, double[] w0, double[] b0, double[] w1, double[] b1, double[] y, Geometry g) {
        GroupedConvKernel.Geometry first = g.first();
        GroupedConvKernel.Geometry second = g.second();
        double[] mid = new double[g.n() * g.mid() * first.outHeight() * first.outWidth()];
        GroupedConvKernel.forward(x, w0, mid, first);
        addBias(mid, b0, g.n(), g.mid(), first.outHeight() * first.outWidth());
        GroupedConvKernel.forward(mid, w1, y, second);
        int plane = second.outHeight() * second.outWidth();
        addBias(y, b1, g.n(), g.out(), plane);
        for (int i = 0, len = g.n() * g.out() * plane; i < len; i++) {
            y[i] = g.activation().apply(y[i]);
        }
    }

    private static void addBias(double[] y, double[] b, int n, int c, int plane) {
        for (int i = 0, off = 0; i < n; i++) {
            for (int ch = 0; ch < c; ch++, off += plane) {
                for (int p = off; p < off + plane; p++) {
                    y[p] += b[ch];
                }
            }
        }
    }
}
