package org.micronet.ingest.image;

/** What {@link ImageProbe} learns from an image's header without decoding its pixels. */
public record ImageHeader(Format format, int width, int height, int components) {

    public enum Format { JPEG, PNG, GIF, BMP }

    public int shortSide() {
        return Math.min(width, height);
    }
}
