package org.micronet.ingest.image;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The codecs of this JVM: OpenCV when its natives load, and the pure-Java codec as the fallback
 * for every file the native one cannot read; an image is rejected only when both fail.
 */
public final class ImageCodecs {
    private static final Logger LOG = LoggerFactory.getLogger(ImageCodecs.class);
    private static volatile ImageCodecs instance;

    private final ImageCodec primary;
    private final JavaCodec fallback;

    ImageCodecs(ImageCodec primary, JavaCodec fallback) {
        this.primary = primary;
        this.fallback = fallback;
    }

    public static ImageCodecs get() {
        if (instance == null) {
            synchronized (ImageCodecs.class) {
                if (instance == null) {
                    JavaCodec java = new JavaCodec();
                    ImageCodec primary;
                    try {
                        primary = new OpenCvCodec();
                    } catch (Throwable e) {
                        LOG.warn("OpenCV natives unavailable ({}); decoding with pure-Java ImageIO, several times slower", e.toString());
                        primary = java;
                    }
                    instance = new ImageCodecs(primary, java);
                }
            }
        }
        return instance;
    }

    public ImageCodec primary() {
        return primary;
    }

    /** Decodes and crops with the primary codec, retrying with the Java one; rejects when neither can. */
    public RgbImage decode(byte[] bytes, ImageHeader header, Crop crop) throws ImageRejectedException {
        try {
            return primary.decode(bytes, header, crop);
        } catch (Exception primaryFailure) {
            if (primary == fallback) {
                throw rejected(header, primaryFailure, null);
            }
            try {
                return fallback.decode(bytes, header, crop);
            } catch (Exception fallbackFailure) {
                throw rejected(header, primaryFailure, fallbackFailure);
            }
        }
    }

    /** The whole image as the primary codec decodes it, to {@link #crop} later. */
    public RgbImage decodeWhole(byte[] bytes) throws Exception {
        return primary.decode(bytes);
    }

    /**
     * A crop of an image {@link #decodeWhole} decoded, equal to {@link #decode} of its bytes; null
     * where the primary codec would decode that crop otherwise ({@link ImageCodec#crop}).
     */
    public RgbImage crop(RgbImage whole, ImageHeader header, Crop crop) throws Exception {
        return primary.crop(whole, header, crop);
    }

    public byte[] encodeJpeg(RgbImage image, int quality) throws Exception {
        return primary.encodeJpeg(image, quality);
    }

    private ImageRejectedException rejected(ImageHeader header, Exception first, Exception second) {
        String reason = "undecodable " + header.format() + " (" + header.width() + "x" + header.height() + "): "
                + primary.name() + ": " + first.getMessage();
        if (second != null) {
            reason += "; " + fallback.name() + ": " + second.getMessage();
        }
        return new ImageRejectedException(reason);
    }
}
