package org.micronet.ingest.image;

/**
 * A box of the full-size image (x, y, width, height) to resize to outWidth x outHeight, mirrored
 * left-right if asked: one request, so that a native codec can do it all before copying pixels out.
 */
public record Crop(int x, int y, int width, int height, int outWidth, int outHeight, boolean mirror) {

    /** The whole image at another size. */
    public static Crop resize(ImageHeader header, int outWidth, int outHeight) {
        return new Crop(0, 0, header.width(), header.height(), outWidth, outHeight, false);
    }
}
