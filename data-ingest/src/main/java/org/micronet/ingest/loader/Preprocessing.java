package org.micronet.ingest.loader;

import org.micronet.ingest.Manifest;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * What evaluation does to an image, in order, as a model card records it for every consumer
 * (predict, score, ONNX users):
 * <ol>
 * <li>the ingest: decode, convert to RGB, shrink the short side to {@code shortSide} (enlarge
 * only if {@code upscale}) keeping the aspect ratio, re-encode as JPEG at {@code jpegQuality}
 * (an RGB JPEG already of that size keeps its bytes);</li>
 * <li>the loader: take the centred square of {@code cropFraction} of the short side and resize
 * it to {@code inputSize} (OpenCV: area when shrinking, bilinear when enlarging);</li>
 * <li>{@code (pixel * pixelScale - mean[c]) / std[c]} per channel, pixel in 0..255, channels in
 * {@code channelOrder}, laid out {@code layout}.</li>
 * </ol>
 */
public record Preprocessing(int inputSize, int shortSide, boolean upscale, int jpegQuality, double cropFraction,
                            double pixelScale, float[] mean, float[] std, String channelOrder, String layout,
                            String interpolation) implements Serializable {
    public static final String RGB = "RGB";
    public static final String NCHW = "NCHW";
    public static final double PIXEL_SCALE = 1.0 / 255;
    static final String INTERPOLATION = "area when shrinking, bilinear when enlarging";

    /**
     * Evaluation's preprocessing at {@code inputSize} of images ingested as {@code manifest}
     * records: the ingest settings are the manifest's, the rest the loader's.
     */
    public static Preprocessing evaluation(int inputSize, Manifest manifest) {
        return evaluation(inputSize, setting(manifest, "shortSide").intValue(),
                Boolean.TRUE.equals(manifest.settings.get("upscale")), setting(manifest, "jpegQuality").intValue());
    }

    /** Evaluation's preprocessing at {@code inputSize} of images ingested with these settings. */
    public static Preprocessing evaluation(int inputSize, int shortSide, boolean upscale, int jpegQuality) {
        return new Preprocessing(inputSize, shortSide, upscale, jpegQuality, SampleTransform.EVAL_CROP_FRACTION,
                PIXEL_SCALE, SampleTransform.MEAN.clone(), SampleTransform.STD.clone(), RGB, NCHW, INTERPOLATION);
    }

    private static Number setting(Manifest manifest, String key) {
        Object value = manifest.settings.get(key);
        if (!(value instanceof Number n)) {
            throw new IllegalArgumentException("manifest has no ingest setting '" + key + "'");
        }
        return n;
    }

    /**
     * Whether this code can apply it: the fixed parts (scale, channel order, layout) must be
     * what {@link SampleTransform} does; the numbers it takes as they are. Returns the first
     * mismatch as "key: value, expected ...", or null.
     */
    public String unsupported() {
        if (pixelScale != PIXEL_SCALE) return "pixelScale: " + pixelScale + ", expected 1/255";
        if (!RGB.equals(channelOrder)) return "channelOrder: " + channelOrder + ", expected " + RGB;
        if (!NCHW.equals(layout)) return "layout: " + layout + ", expected " + NCHW;
        if (mean == null || mean.length != 3) return "mean: " + Arrays.toString(mean) + ", expected 3 values";
        if (std == null || std.length != 3) return "std: " + Arrays.toString(std) + ", expected 3 values";
        if (!(cropFraction > 0 && cropFraction <= 1)) return "cropFraction: " + cropFraction + ", expected in (0, 1]";
        if (inputSize < 1 || shortSide < 1) return "inputSize/shortSide: " + inputSize + "/" + shortSide + ", expected >= 1";
        return null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Preprocessing p && inputSize == p.inputSize && shortSide == p.shortSide
                && upscale == p.upscale && jpegQuality == p.jpegQuality && cropFraction == p.cropFraction
                && pixelScale == p.pixelScale && Arrays.equals(mean, p.mean) && Arrays.equals(std, p.std)
                && Objects.equals(channelOrder, p.channelOrder) && Objects.equals(layout, p.layout)
                && Objects.equals(interpolation, p.interpolation);
    }

    @Override
    public int hashCode() {
        return Objects.hash(inputSize, shortSide, upscale, jpegQuality, cropFraction, Arrays.hashCode(mean),
                Arrays.hashCode(std), channelOrder, layout);
    }

    @Override
    public String toString() {
        return String.format("input %d, short side %d%s, JPEG q%d, centre %.3f, mean %s std %s, %s %s", inputSize,
                shortSide, upscale ? " (upscaled)" : "", jpegQuality, cropFraction, Arrays.toString(mean),
                Arrays.toString(std), channelOrder, layout);
    }
}
