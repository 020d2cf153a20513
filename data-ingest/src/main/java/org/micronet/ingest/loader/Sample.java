package org.micronet.ingest.loader;

import org.micronet.ingest.image.Crop;
import org.micronet.ingest.image.ImageCodecs;
import org.micronet.ingest.image.ImageHeader;
import org.micronet.ingest.image.ImageProbe;
import org.micronet.ingest.image.ImageRejectedException;
import org.micronet.ingest.image.RgbImage;

/**
 * One sample of a shard: its key, encoded image and class. A sample of a slice that
 * {@link SampleCache} holds also keeps its whole decoded image once decoded, while the cache's
 * budget allows, so that later epochs only crop it.
 */
final class Sample {
    /** Not decodable whole by the primary codec: decode the bytes each time. */
    private static final RgbImage UNDECODABLE = new RgbImage(0, 0, new byte[0]);

    final String key;
    final byte[] jpeg;
    final int label;
    private volatile ImageHeader header;
    private volatile RgbImage whole;
    /** The cache's entry of this sample's slice; null while (or if) the slice is not held. */
    private volatile SampleCache.HeldSlice heldIn;

    Sample(String key, byte[] jpeg, int label) {
        this.key = key;
        this.jpeg = jpeg;
        this.label = label;
    }

    void heldIn(SampleCache.HeldSlice slice) {
        heldIn = slice;
    }

    ImageHeader header() throws ImageRejectedException {
        ImageHeader h = header;
        if (h == null) {
            header = h = ImageProbe.probe(jpeg);
        }
        return h;
    }

    /**
     * {@code crop} of the image, as {@link ImageCodecs#decode} of its bytes gives it. A held
     * sample's first call decodes the whole image and keeps it if the cache's budget allows; later
     * calls crop that, where the codec crops exactly.
     */
    RgbImage decode(Crop crop) throws ImageRejectedException {
        ImageCodecs codecs = ImageCodecs.get();
        RgbImage w = whole;
        SampleCache.HeldSlice held = heldIn;
        if (w == null && held != null && held.hasRoom()) {
            w = keepWhole(codecs, held);
        }
        if (w != null && w != UNDECODABLE) {
            try {
                RgbImage cropped = codecs.crop(w, header(), crop);
                if (cropped != null) {
                    return cropped;
                }
            } catch (Exception e) {
                // the bytes' own decode below gives the reason, or its fallback succeeds
            }
        }
        return codecs.decode(jpeg, header(), crop);
    }

    private RgbImage keepWhole(ImageCodecs codecs, SampleCache.HeldSlice held) {
        RgbImage w;
        try {
            w = codecs.decodeWhole(jpeg);
        } catch (Exception e) {
            w = UNDECODABLE;
        }
        if (w == UNDECODABLE || held.reserve(w.rgb.length)) {
            whole = w;
        }
        return w;
    }

    /** Bytes this sample holds before its image is decoded (the encoded image, the key, the object). */
    long heldBytes() {
        return jpeg.length + 2L * key.length() + 64;
    }
}
