package org.micronet.ingest.loader;

import org.micronet.ingest.image.Crop;
import org.micronet.ingest.image.ImageCodecs;
import org.micronet.ingest.image.ImageHeader;
import org.micronet.ingest.image.ImageProbe;
import org.micronet.ingest.image.ImageRejectedException;
import org.micronet.ingest.image.RgbImage;

import java.io.Serializable;

/**
 * JPEG bytes to a normalised NCHW float32 sample of size x size. Training: random resized crop +
 * flip ({@link Augmentation}); evaluation: resize the short side to size / 0.875, centre crop.
 * Normalised by the ImageNet mean and std of RGB in [0, 1].
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

    private SampleTransform(int size, boolean training, double minScale, long seed, int epoch) {
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
    }

    /** @param minScale smallest crop area as a fraction of the image ({@link Augmentation#DEFAULT_MIN_SCALE}) */
    public static SampleTransform training(int size, double minScale, long seed, int epoch) {
        return new SampleTransform(size, true, minScale, seed, epoch);
    }

    public static SampleTransform evaluation(int size) {
        return new SampleTransform(size, false, 1, 0, 0);
    }

    public int size() {
        return size;
    }

    /** Writes 3 * size * size floats (C, H, W) for the sample at {@code offset} of {@code dest}. */
    public void apply(String key, byte[] jpeg, float[] dest, int offset) throws ImageRejectedException {
        ImageHeader header = ImageProbe.probe(jpeg);
        Crop crop;
        if (training) {
            Augmentation.Draw d = Augmentation.draw(minScale, seed, epoch, key, header.width(), header.height());
            crop = new Crop(d.x(), d.y(), d.width(), d.height(), size, size, d.flip());
        } else {
            // resizing the short side to size / 0.875 and cropping size = cropping 0.875 of the short side
            int side = Math.max(1, (int) Math.round(header.shortSide() * EVAL_CROP_FRACTION));
            crop = new Crop((header.width() - side) / 2, (header.height() - side) / 2, side, side, size, size, false);
        }
        RgbImage out = ImageCodecs.get().decode(jpeg, header, crop);
        int plane = size * size;
        byte[] rgb = out.rgb;
        for (int c = 0; c < 3; c++) {
            float scale = 1f / (255f * STD[c]);
            float shift = MEAN[c] / STD[c];
            int base = offset + c * plane;
            for (int p = 0; p < plane; p++) {
                dest[base + p] = (rgb[p * 3 + c] & 0xFF) * scale - shift;
            }
        }
    }
}
