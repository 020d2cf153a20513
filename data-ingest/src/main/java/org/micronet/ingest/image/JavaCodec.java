package org.micronet.ingest.image;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.spi.ImageReaderSpi;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Iterator;

/**
 * Pure-Java codec on ImageIO: the fallback when OpenCV's natives cannot load or reject a file.
 * JPEGs go through TwelveMonkeys' reader, which (unlike the JDK's) reads CMYK and YCCK.
 */
public final class JavaCodec implements ImageCodec {
    private final ImageReaderSpi jpegReader;

    /** The fallback codec: TwelveMonkeys for JPEG. */
    public JavaCodec() {
        this(findJpegReader("com.twelvemonkeys."));
    }

    /** A codec with the given JPEG reader, e.g. the JDK's own ("com.sun.imageio.") to compare against. */
    public JavaCodec(ImageReaderSpi jpegReader) {
        this.jpegReader = jpegReader;
    }

    public static ImageReaderSpi findJpegReader(String classPrefix) {
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName("jpeg");
        while (readers.hasNext()) {
            ImageReader reader = readers.next();
            if (reader.getClass().getName().startsWith(classPrefix)) {
                return reader.getOriginatingProvider();
            }
        }
        throw new IllegalStateException("no ImageIO JPEG reader from " + classPrefix + " on the class path");
    }

    @Override
    public RgbImage decode(byte[] bytes, ImageHeader header, Crop crop) throws Exception {
        return crop(decode(bytes), header, crop);
    }

    @Override
    public RgbImage crop(RgbImage whole, ImageHeader header, Crop crop) {
        return Resampler.cropResize(whole, crop.x(), crop.y(), crop.width(), crop.height(),
                crop.outWidth(), crop.outHeight(), crop.mirror());
    }

    @Override
    public RgbImage decode(byte[] bytes) throws Exception {
        BufferedImage image = ImageProbe.probe(bytes).format() == ImageHeader.Format.JPEG ? readJpeg(bytes) : ImageIO.read(new ByteArrayInputStream(bytes));
        if (image == null) {
            throw new ImageRejectedException("no ImageIO reader for this content");
        }
        return toRgb(image);
    }

    private BufferedImage readJpeg(byte[] bytes) throws Exception {
        ImageReader reader = jpegReader.createReaderInstance();
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            reader.setInput(in);
            return reader.read(0);
        } finally {
            reader.dispose();
        }
    }

    private static RgbImage toRgb(BufferedImage image) {
        BufferedImage bgr = image;
        if (image.getType() != BufferedImage.TYPE_3BYTE_BGR) {
            // drawing converts grey, palette, alpha and ICC-converted CMYK alike
            bgr = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
            Graphics2D g = bgr.createGraphics();
            g.drawImage(image, 0, 0, null);
            g.dispose();
        }
        byte[] data = ((DataBufferByte) bgr.getRaster().getDataBuffer()).getData();
        byte[] rgb = new byte[data.length];
        for (int i = 0; i < data.length; i += 3) {
            rgb[i] = data[i + 2];
            rgb[i + 1] = data[i + 1];
            rgb[i + 2] = data[i];
        }
        return new RgbImage(bgr.getWidth(), bgr.getHeight(), rgb);
    }

    @Override
    public byte[] encodeJpeg(RgbImage image, int quality) throws Exception {
        BufferedImage bgr = new BufferedImage(image.width, image.height, BufferedImage.TYPE_3BYTE_BGR);
        byte[] data = ((DataBufferByte) bgr.getRaster().getDataBuffer()).getData();
        byte[] rgb = image.rgb;
        for (int i = 0; i < rgb.length; i += 3) {
            data[i] = rgb[i + 2];
            data[i + 1] = rgb[i + 1];
            data[i + 2] = rgb[i];
        }
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(stream);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality / 100f);
            writer.write(null, new IIOImage(bgr, null, null), param);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    @Override
    public String name() {
        return "java-imageio (" + jpegReader.getClass().getName() + ")";
    }
}
