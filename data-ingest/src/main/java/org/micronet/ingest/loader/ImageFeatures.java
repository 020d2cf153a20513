package org.micronet.ingest.loader;

import org.micronet.ingest.image.ImageCodecs;
import org.micronet.ingest.image.ImagePreparer;
import org.micronet.ingest.image.ImageRejectedException;

import java.io.Serializable;

/**
 * An image file (JPEG, PNG, GIF, BMP) to the features evaluation would have given it: the
 * ingest's {@link ImagePreparer} at the recorded settings, then the loader's evaluation
 * {@link SampleTransform}; the same code, so a single image gets what a validation image got.
 * An image already prepared (a shard's JPEG) passes the first step unchanged.
 */
public final class ImageFeatures implements Serializable {
    private final Preprocessing preprocessing;
    private final SampleTransform transform;
    private transient ImagePreparer preparer;

    public ImageFeatures(Preprocessing preprocessing) {
        this.preprocessing = preprocessing;
        this.transform = SampleTransform.evaluation(preprocessing);
    }

    /** Floats of one sample, C x H x W. */
    public int sampleLength() {
        return 3 * transform.size() * transform.size();
    }

    public int size() {
        return transform.size();
    }

    /** Writes the sample's {@link #sampleLength()} floats at {@code offset} of {@code dest}. */
    public void apply(String name, byte[] image, float[] dest, int offset) throws ImageRejectedException {
        if (preparer == null) {
            preparer = new ImagePreparer(preprocessing.shortSide(), preprocessing.upscale(), preprocessing.jpegQuality(),
                    ImageCodecs.get());
        }
        transform.apply(name, preparer.prepare(image, name).jpeg(), dest, offset);
    }
}
