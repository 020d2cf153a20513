package org.micronet.ingest.image;

/**
 * Crops, resizes and optionally mirrors in one separable pass with an antialiased triangle
 * (bilinear) filter: the filter widens with the downscale factor, as in Pillow, so shrinking
 * does not alias. Used for the ingest resize and for the loader's crops alike.
 */
public final class Resampler {
    private Resampler() {
    }

    /** Resizes the whole image. */
    public static RgbImage resize(RgbImage src, int outWidth, int outHeight) {
        return cropResize(src, 0, 0, src.width, src.height, outWidth, outHeight, false);
    }

    /**
     * @param x0 left edge of the crop box in source pixels (may be fractional)
     * @param y0 top edge
     * @param w  crop width in source pixels
     * @param h  crop height
     */
    public static RgbImage cropResize(RgbImage src, double x0, double y0, double w, double h,
                                      int outWidth, int outHeight, boolean mirror) {
        Filter fx = new Filter(src.width, x0, w, outWidth, mirror);
        Filter fy = new Filter(src.height, y0, h, outHeight, false);
        int rowFirst = fy.first[0], rowLast = rowFirst;
        for (int i = 0; i < outHeight; i++) {
            rowFirst = Math.min(rowFirst, fy.first[i]);
            rowLast = Math.max(rowLast, fy.first[i] + fy.count[i] - 1);
        }
        int rows = rowLast - rowFirst + 1;
        float[] horizontal = new float[rows * outWidth * 3];
        byte[] in = src.rgb;
        for (int r = 0; r < rows; r++) {
            int rowBase = (rowFirst + r) * src.width * 3;
            int outBase = r * outWidth * 3;
            for (int o = 0; o < outWidth; o++) {
                float red = 0, green = 0, blue = 0;
                int taps = fx.count[o], wBase = o * fx.maxTaps;
                int p = rowBase + fx.first[o] * 3;
                for (int t = 0; t < taps; t++, p += 3) {
                    float wt = fx.weights[wBase + t];
                    red += wt * (in[p] & 0xFF);
                    green += wt * (in[p + 1] & 0xFF);
                    blue += wt * (in[p + 2] & 0xFF);
                }
                int q = outBase + o * 3;
                horizontal[q] = red;
                horizontal[q + 1] = green;
                horizontal[q + 2] = blue;
            }
        }
        byte[] out = new byte[outWidth * outHeight * 3];
        int stride = outWidth * 3;
        for (int o = 0; o < outHeight; o++) {
            int taps = fy.count[o], wBase = o * fy.maxTaps;
            int rowBase = (fy.first[o] - rowFirst) * stride;
            int outBase = o * stride;
            for (int c = 0; c < stride; c++) {
                float sum = 0;
                int p = rowBase + c;
                for (int t = 0; t < taps; t++, p += stride) {
                    sum += fy.weights[wBase + t] * horizontal[p];
                }
                int v = Math.round(sum);
                out[outBase + c] = (byte) (v < 0 ? 0 : Math.min(v, 255));
            }
        }
        return new RgbImage(outWidth, outHeight, out);
    }

    /** Normalised taps along one axis: output i reads count[i] source pixels from first[i]. */
    private static final class Filter {
        final int[] first;
        final int[] count;
        final float[] weights;
        final int maxTaps;

        Filter(int srcSize, double start, double length, int outSize, boolean mirror) {
            double scale = length / outSize;
            double support = Math.max(scale, 1.0);
            maxTaps = (int) Math.ceil(support) * 2 + 1;
            first = new int[outSize];
            count = new int[outSize];
            weights = new float[outSize * maxTaps];
            for (int i = 0; i < outSize; i++) {
                int slot = mirror ? outSize - 1 - i : i;
                double center = start + (i + 0.5) * scale;
                int lo = Math.max(0, (int) Math.floor(center - support));
                int hi = Math.min(srcSize - 1, (int) Math.ceil(center + support));
                double total = 0;
                int n = 0;
                double[] w = new double[hi - lo + 1];
                for (int j = lo; j <= hi; j++) {
                    double wt = Math.max(0, 1 - Math.abs(j + 0.5 - center) / support);
                    w[j - lo] = wt;
                    total += wt;
                }
                // trim zero taps at both ends so that every kept tap contributes
                int a = 0, b = w.length - 1;
                while (a < b && w[a] == 0) a++;
                while (b > a && w[b] == 0) b--;
                if (total == 0) {
                    // box entirely outside the image: take the nearest edge pixel
                    a = b = 0;
                    lo = Math.min(Math.max((int) Math.floor(center), 0), srcSize - 1);
                    w = new double[]{1};
                    total = 1;
                }
                for (int j = a; j <= b; j++) {
                    weights[slot * maxTaps + n++] = (float) (w[j] / total);
                }
                first[slot] = lo + a;
                count[slot] = n;
            }
        }
    }
}
