package org.micronet.ingest.image;

/** 8-bit RGB pixels, row-major, interleaved (HWC): the one pixel format every codec and transform shares. */
public final class RgbImage {
    public final int width;
    public final int height;
    public final byte[] rgb;

    public RgbImage(int width, int height, byte[] rgb) {
        if (rgb.length != width * height * 3) {
            throw new IllegalArgumentException("RGB buffer of " + rgb.length + " bytes for a "
                    + width + "x" + height + " image, expected " + width * height * 3);
        }
        this.width = width;
        this.height = height;
        this.rgb = rgb;
    }

    public int shortSide() {
        return Math.min(width, height);
    }
}
