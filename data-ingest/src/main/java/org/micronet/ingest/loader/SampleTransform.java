package org.micronet.ingest.loader;

import org.micronet.ingest.image.Crop;
import org.micronet.ingest.image.ImageHeader;
import org.micronet.ingest.image.ImageRejectedException;
import org.micronet.ingest.image.RgbImage;

import java.io.Serializable;

/**
 * JPEG bytes to a normalised NCHW float32 sample of size x size. Training: random resized crop +
 * flip ({@link Augmentation}); evaluation: resize the short side to size / 0.875, centre crop
 * (a {@link Preprocessing}'s crop fraction). Normalised by the ImageNet mean and std of RGB in
 * [0, 1] (or a {@link Preprocessing}'s).
 */
public final class SampleTransform implements Serializable {
    public static final float[] MEAN = {0.485f, 0.456f, 0.406f};
    public static final float[] STD = {0.229f, 0.224f, 0.225f};
    public static final double EVAL_CROP_FRACTION = 0.875;

    private final int size;
    private final boolean training;
    private final long seed;
    private final int epoch;
    private final double minScale;
    private final double cropFraction;
    private final float[] mean;
    private final float[] std;

    private SampleTransform(int size, boolean training, double minScale, long seed, int epoch, double cropFraction,
                            float[] mean, float[] std) {
        if (size < 1) {
            throw new IllegalArgumentException("input size " + size + ", expected at least 1");
        }
        if (!(minScale > 0 && minScale <= 1)) {
            throw new IllegalArgumentException("crop scale " + minScale + ", expected in (0, 1]");
        }
        this.size = size;
        this.minScale = minScale;
        this.training = training;
        this.seed = seed;
        this.epoch = epoch;
        this.cropFraction = cropFraction;
        this.mean = mean.clone();
        this.std = std.clone();
    }

    /** @param minScale smallest crop area as a fraction of the image ({@link Augmentation#DEFAULT_MIN_SCALE}) */
    public static SampleTransform training(int size, double minScale, long seed, int epoch) {
        return new SampleTransform(size, true, minScale, seed, epoch, 1, MEAN, STD);
    }

    /** Evaluation as a model card records it: its crop fraction, mean and std at its input size. */
    public static SampleTransform evaluation(Preprocessing p) {
        String unsupported = p.unsupported();
        if (unsupported != null) {
            throw new IllegalArgumentException("preprocessing " + unsupported);
        }
        return new SampleTransform(p.inputSize(), false, 1, 0, 0, p.cropFraction(), p.mean(), p.std());
    }

    public int size() {
        return size;
    }

    /** Same transform: the same image gives the same sample (the key of parked streams compares them). */
    @Override
    public boolean equals(Object o) {
        return o instanceof SampleTransform t && size == t.size && training == t.training && seed == t.seed
                && epoch == t.epoch && minScale == t.minScale && cropFraction == t.cropFraction
                && java.util.Arrays.equals(mean, t.mean) && java.util.Arrays.equals(std, t.std);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(size, training, seed, epoch, minScale, cropFraction);
    }

    /** Writes 3 * size * size floats (C, H, W) for the sample at {@code offset} of {@code dest}. */
    public void apply(String key, byte[] jpeg, float[] dest, int offset) throws ImageRejectedException {
        apply(new Sample(key, jpeg, -1), dest, offset);
    }

    /** As {@link #apply(String, byte[], float[], int)}, from the sample's decoded image where the loader keeps it. */
    void apply(Sample sample, float[] dest, int offset) throws ImageRejectedException {
        ImageHeader header = sample.header();
        Crop crop;
        if (training) {
            Augmentation.Draw d = Augmentation.draw(minScale, seed, epoch, sample.key, header.width(), header.height());
            crop = new Crop(d.x(), d.y(), d.width(), d.height(), size, size, d.flip());
        } else {
            // resizing the short side to size / 0.875 and cropping size = cropping 0.875 of the short side
            int side = Math.max(1, (int) Math.round(header.shortSide() * cropFraction));
            crop = new Crop((header.width() - side) / 2, (header.height() - side) / 2, side, side, size, size, false);
        }
        RgbImage out = sample.decode(crop);
        int plane = size * size;
        byte[] rgb = out.rgb;
        for (int c = 0; c < 3; c++) {
            float scale = 1f / (255f * std[c]);
            float shift = mean[c] / std[c];
            int base = offset + c * plane;
            for (int p = 0; p < plane; p++) {
                dest[base + p] = (rgb[p * 3 + c] & 0xFF) * scale - shift;
            }
        }
    }
}
