package org.micronet.layers.runtime;

/**
 * A convolution's bias on activations laid out {@code [n][c][hw]}: added per output channel
 * in the forward pass, summed over images and positions for its gradient. Arrays may be longer
 * than the shape; only the leading elements are read and written.
 */
final class ChannelBias {
    private ChannelBias() {
    }

    static void add(float[] y, float[] b, int n, int c, int hw) {
        for (int i = 0, off = 0; i < n; i++) {
            for (int ch = 0; ch < c; ch++, off += hw) {
                float v = b[ch];
                for (int p = off; p < off + hw; p++) {
                    y[p] += v;
                }
            }
        }
    }

    static void add(double[] y, double[] b, int n, int c, int hw) {
        for (int i = 0, off = 0; i < n; i++) {
            for (int ch = 0; ch < c; ch++, off += hw) {
                for (int p = off; p < off + hw; p++) {
                    y[p] += b[ch];
                }
            }
        }
    }

    /** Writes the bias gradient into {@code db} and returns it; each channel summed in double. */
    static float[] gradient(float[] dy, float[] db, int n, int c, int hw) {
        for (int ch = 0; ch < c; ch++) {
            double sum = 0;
            for (int i = 0; i < n; i++) {
                for (int p = (i * c + ch) * hw, end = p + hw; p < end; p++) {
                    sum += dy[p];
                }
            }
            db[ch] = (float) sum;
        }
        return db;
    }

    static double[] gradient(double[] dy, int n, int c, int hw) {
        double[] db = new double[c];
        for (int i = 0, off = 0; i < n; i++) {
            for (int ch = 0; ch < c; ch++, off += hw) {
                for (int p = off; p < off + hw; p++) {
                    db[ch] += dy[p];
                }
            }
        }
        return db;
    }
}
