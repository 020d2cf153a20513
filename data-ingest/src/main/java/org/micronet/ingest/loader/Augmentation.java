package org.micronet.ingest.loader;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * The reference recipe's random draws: RandomResizedCrop (area minScale-100%, 8% in the reference;
 * aspect 3/4-4/3, ten tries then a centre crop) and a horizontal flip with probability 1/2. Each sample's draws come from
 * its own generator seeded by (seed, epoch, sample key), so they differ per epoch and are the same
 * whatever the partitioning or order of the data.
 */
public final class Augmentation {
    /** The reference's smallest crop area; small low-resolution images (Fashion-MNIST) want more. */
    public static final double DEFAULT_MIN_SCALE = 0.08;
    static final double MAX_SCALE = 1.0;
    static final double MIN_RATIO = 3.0 / 4, MAX_RATIO = 4.0 / 3;

    /** A crop box in source pixels, and whether to mirror it. */
    public record Draw(int x, int y, int width, int height, boolean flip) {
    }

    private Augmentation() {
    }

    public static Draw draw(double minScale, long seed, int epoch, String key, int imageWidth, int imageHeight) {
        SplittableRandom random = new SplittableRandom(mix(mix(seed) ^ epoch) ^ hash(key));
        double area = (double) imageWidth * imageHeight;
        double logMin = Math.log(MIN_RATIO), logMax = Math.log(MAX_RATIO);
        for (int attempt = 0; attempt < 10; attempt++) {
            double target = area * (minScale + random.nextDouble() * (MAX_SCALE - minScale));
            double ratio = Math.exp(logMin + random.nextDouble() * (logMax - logMin));
            int w = (int) Math.round(Math.sqrt(target * ratio));
            int h = (int) Math.round(Math.sqrt(target / ratio));
            if (w > 0 && h > 0 && w <= imageWidth && h <= imageHeight) {
                int x = random.nextInt(imageWidth - w + 1);
                int y = random.nextInt(imageHeight - h + 1);
                return new Draw(x, y, w, h, random.nextBoolean());
            }
        }
        // fallback as in the reference: the whole image's centre, aspect clamped to the range
        double ratio = (double) imageWidth / imageHeight;
        int w = imageWidth, h = imageHeight;
        if (ratio < MIN_RATIO) {
            h = (int) Math.round(w / MIN_RATIO);
        } else if (ratio > MAX_RATIO) {
            w = (int) Math.round(h * MAX_RATIO);
        }
        return new Draw((imageWidth - w) / 2, (imageHeight - h) / 2, w, h, random.nextBoolean());
    }

    /** Sample order within an epoch: seeded by (seed, epoch, stream), independent of the per-sample draws. */
    static SplittableRandom orderRandom(long seed, int epoch, long stream) {
        return new SplittableRandom(mix(mix(mix(seed) + epoch) + stream) + 0x5DEECE66DL);
    }

    /** SplitMix64's finaliser. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** 64-bit FNV-1a of the key, mixed. */
    static long hash(String key) {
        long h = 0xcbf29ce484222325L;
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xFF)) * 0x100000001b3L;
        }
        return mix(h);
    }
}
