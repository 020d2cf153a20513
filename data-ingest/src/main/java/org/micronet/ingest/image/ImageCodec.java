package org.micronet.ingest.image;

/** Decodes any supported format to RGB (grey, CMYK, palette and alpha converted) and encodes JPEG. */
public interface ImageCodec {

    /** The whole image at full size. */
    RgbImage decode(byte[] bytes) throws Exception;

    /** Decodes and applies the crop; {@code header} is the image's, from {@link ImageProbe}. */
    RgbImage decode(byte[] bytes, ImageHeader header, Crop crop) throws Exception;

    /**
     * The crop of an image this codec decoded whole, equal to {@link #decode(byte[], ImageHeader, Crop)}
     * of its bytes; null where decoding would differ (OpenCV decodes a JPEG at a reduced size when
     * the box is at least twice the output), so that the caller decodes the bytes instead.
     */
    RgbImage crop(RgbImage whole, ImageHeader header, Crop crop) throws Exception;

    byte[] encodeJpeg(RgbImage image, int quality) throws Exception;

    String name();
}
