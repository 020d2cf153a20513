package org.micronet.ingest.image;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * OpenCV through JavaCPP: libjpeg-turbo and libpng, the decoder class of the published
 * 450-850 images/s per core. Converts grey and CMYK (Adobe-inverted as well) JPEGs to RGB.
 */
public final class OpenCvCodec implements ImageCodec {

    /** Loads the natives; throws (UnsatisfiedLinkError and the like) when they are not usable here. */
    public OpenCvCodec() {
        Loader.load(opencv_imgcodecs.class);
        // decoding runs one image per Spark task thread; OpenCV's own pool would oversubscribe cores
        opencv_core.setNumThreads(1);
    }

    @Override
    public RgbImage decode(byte[] bytes) throws ImageRejectedException {
        Scratch scratch = SCRATCH.get();
        try (Mat bgr = scratch.imdecode(bytes, opencv_imgcodecs.IMREAD_COLOR)) {
            return scratch.toRgb(bgr);
        }
    }

    /**
     * Crops and resizes natively: libjpeg's DCT scaling decodes at 1/2, 1/4 or 1/8 when the box
     * stays at least the output size, then area averaging shrinks (bilinear enlarges) the box.
     */
    @Override
    public RgbImage decode(byte[] bytes, ImageHeader header, Crop crop) throws ImageRejectedException {
        int r = reduction(header, crop);
        Scratch scratch = SCRATCH.get();
        try (Mat bgr = scratch.imdecode(bytes, readFlag(r))) {
            if (bgr.empty()) {
                throw new ImageRejectedException("OpenCV could not decode the image");
            }
            return scratch.toRgb(scratch.cropResize(bgr, crop, r));
        }
    }

    /**
     * Without DCT scaling, decoding a crop is decoding the whole image and then cropping, resizing
     * and mirroring it; each of those treats the channels alike, so cropping the RGB image gives
     * the bytes the BGR path gives.
     */
    @Override
    public RgbImage crop(RgbImage whole, ImageHeader header, Crop crop) {
        if (reduction(header, crop) != 1) {
            return null;
        }
        Scratch scratch = SCRATCH.get();
        Mat rgb = scratch.wrap(whole);
        Mat resized = scratch.cropResize(rgb, crop, 1);
        byte[] pixels = new byte[crop.outWidth() * crop.outHeight() * 3];
        resized.data().get(pixels);
        return new RgbImage(crop.outWidth(), crop.outHeight(), pixels);
    }

    /** The DCT scaling decode uses for this box: 1, 2, 4 or 8. */
    private static int reduction(ImageHeader header, Crop crop) {
        int r = 1;
        while (r < 8 && header.format() == ImageHeader.Format.JPEG
                && crop.width() / (2 * r) >= crop.outWidth() && crop.height() / (2 * r) >= crop.outHeight()) {
            r *= 2;
        }
        return r;
    }

    /**
     * The native objects a thread decodes with, kept from image to image. JavaCPP registers every
     * new native object under one JVM-wide lock and reads the process's resident size (from /proc)
     * while holding it: the eight objects of a decode took 25 of its 46 us on a 28x28 JPEG, and two
     * threads decoding at once took 111 us an image each (javacpp 1.5.7). Two remain per image: the
     * header over the encoded bytes and the decoded image, which OpenCV's Java API returns new.
     */
    private static final class Scratch {
        private BytePointer encoded = new BytePointer(64 * 1024);
        private final Mat resized = new Mat();
        private final Mat rgb = new Mat();
        private final Size size = new Size();
        /** A decoded image copied in for {@link #crop}, and the header over it, kept while images keep their size. */
        private BytePointer pixels = new BytePointer(64 * 1024);
        private Mat pixelsMat = new Mat();

        /** {@code image} as a Mat over this thread's native copy of its pixels. */
        Mat wrap(RgbImage image) {
            int length = image.rgb.length;
            if (pixels.capacity() < length) {
                pixels.close();
                pixels = new BytePointer(Math.max(length, 2 * pixels.capacity()));
                pixelsMat.close();
                pixelsMat = new Mat();
            }
            pixels.position(0).put(image.rgb, 0, length);
            if (pixelsMat.cols() != image.width || pixelsMat.rows() != image.height) {
                pixelsMat.close();
                pixelsMat = new Mat(image.height, image.width, opencv_core.CV_8UC3, pixels);
            }
            return pixelsMat;
        }

        /**
         * The box of {@code crop} (in full-size pixels; {@code image} decoded at 1/r) resized to its
         * output and mirrored if asked, into {@link #resized}; {@code image} is left as it was.
         */
        Mat cropResize(Mat image, Crop crop, int r) {
            int rows = image.rows(), cols = image.cols();
            // DCT scaling rounds sizes up; clamp the scaled box into what was decoded
            int x = Math.min(crop.x() / r, cols - 1), y = Math.min(crop.y() / r, rows - 1);
            int w = Math.max(1, Math.min(crop.width() / r, cols - x));
            int h = Math.max(1, Math.min(crop.height() / r, rows - y));
            boolean shrink = (long) w * h > (long) crop.outWidth() * crop.outHeight();
            // the box as a view of the image, in place: no new Mat
            image.adjustROI(-y, -(rows - y - h), -x, -(cols - x - w));
            try {
                opencv_imgproc.resize(image, resized, size.width(crop.outWidth()).height(crop.outHeight()), 0, 0,
                        shrink ? opencv_imgproc.INTER_AREA : opencv_imgproc.INTER_LINEAR);
            } finally {
                image.adjustROI(y, rows - y - h, x, cols - x - w);
            }
            if (crop.mirror()) {
                opencv_core.flip(resized, resized, 1);
            }
            return resized;
        }

        Mat imdecode(byte[] bytes, int flag) {
            if (encoded.capacity() < bytes.length) {
                encoded.close();
                encoded = new BytePointer(Math.max(bytes.length, 2 * encoded.capacity()));
            }
            encoded.position(0).put(bytes, 0, bytes.length);
            try (Mat header = new Mat(1, bytes.length, opencv_core.CV_8UC1, encoded)) {
                return opencv_imgcodecs.imdecode(header, flag);
            }
        }

        RgbImage toRgb(Mat bgr) throws ImageRejectedException {
            if (bgr.empty()) {
                throw new ImageRejectedException("OpenCV could not decode the image");
            }
            opencv_imgproc.cvtColor(bgr, rgb, opencv_imgproc.COLOR_BGR2RGB);
            byte[] pixels = new byte[rgb.cols() * rgb.rows() * 3];
            rgb.data().get(pixels);
            return new RgbImage(rgb.cols(), rgb.rows(), pixels);
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    @Override
    public byte[] encodeJpeg(RgbImage image, int quality) throws Exception {
        try (BytePointer pixels = new BytePointer(image.rgb);
             Mat rgb = new Mat(image.height, image.width, opencv_core.CV_8UC3, pixels);
             Mat bgr = new Mat();
             BytePointer out = new BytePointer();
             IntPointer params = new IntPointer(opencv_imgcodecs.IMWRITE_JPEG_QUALITY, quality)) {
            opencv_imgproc.cvtColor(rgb, bgr, opencv_imgproc.COLOR_RGB2BGR);
            if (!opencv_imgcodecs.imencode(".jpg", bgr, out, params)) {
                throw new IllegalStateException("OpenCV failed to encode a " + image.width + "x" + image.height + " JPEG");
            }
            byte[] jpeg = new byte[(int) out.limit()];
            out.get(jpeg);
            return jpeg;
        }
    }

    private static int readFlag(int reduction) {
        return switch (reduction) {
            case 1 -> opencv_imgcodecs.IMREAD_COLOR;
            case 2 -> opencv_imgcodecs.IMREAD_REDUCED_COLOR_2;
            case 4 -> opencv_imgcodecs.IMREAD_REDUCED_COLOR_4;
            case 8 -> opencv_imgcodecs.IMREAD_REDUCED_COLOR_8;
            default -> throw new IllegalArgumentException("reduction " + reduction + ", expected 1, 2, 4 or 8");
        };
    }

    @Override
    public String name() {
        return "opencv-" + opencv_core.CV_VERSION() + " (libjpeg-turbo)";
    }
}
