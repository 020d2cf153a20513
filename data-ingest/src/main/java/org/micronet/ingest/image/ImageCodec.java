package org.micronet.ingest.image;

/** Decodes any supported format to RGB (grey, CMYK, palette and alpha converted) and encodes JPEG. */
public interface ImageCodec {

    /** The whole image at full size. */
    RgbImage decode(byte[] bytes) throws Exception;

    /** Decodes and applies the crop; {@code header} is the image's, from {@link ImageProbe}. */
    RgbImage decode(byte[] bytes, ImageHeader header, Crop crop) throws Exception;

    byte[] encodeJpeg(RgbImage image, int quality) throws Exception;

    String name();
}
