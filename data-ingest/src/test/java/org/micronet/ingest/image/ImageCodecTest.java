package org.micronet.ingest.image;

import org.junit.jupiter.api.Test;
import org.micronet.ingest.TestImages;

import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Probe, both codecs, the resampler and the ingest's prepare step on real image bytes. */
class ImageCodecTest {
    private static final ImageCodec OPENCV = new OpenCvCodec();
    private static final ImageCodec JAVA = new JavaCodec();

    @Test
    void probeNamesWhatIsWrong() throws Exception {
        byte[] jpeg = TestImages.jpeg(TestImages.photoLike(120, 80, 1), 90);
        assertEquals(new ImageHeader(ImageHeader.Format.JPEG, 120, 80, 3), ImageProbe.probe(jpeg));
        assertEquals("zero-byte file", message(new byte[0]));
        assertTrue(message("hello".getBytes()).startsWith("not an image: content starts with 0x68656c6c6f"));
        assertTrue(message(Arrays.copyOf(jpeg, jpeg.length - 2)).startsWith("truncated JPEG"));
        assertTrue(message(Arrays.copyOf(jpeg, 400)).startsWith("truncated JPEG"));
        byte[] png = TestImages.png(TestImages.photoLike(30, 20, 1));
        assertEquals(new ImageHeader(ImageHeader.Format.PNG, 30, 20, 3), ImageProbe.probe(png));
        assertTrue(message(Arrays.copyOf(png, png.length - 20)).startsWith("truncated PNG"));
        assertEquals(1, ImageProbe.probe(TestImages.grayJpeg(40, 30)).components());
        assertEquals(4, ImageProbe.probe(TestImages.cmykJpeg(40, 30)).components());
    }

    private static String message(byte[] bytes) {
        return assertThrows(ImageRejectedException.class, () -> ImageProbe.probe(bytes)).getMessage();
    }

    @Test
    void nativeAndJavaCodecsAgreeOnRgbJpegGrayAndCmyk() throws Exception {
        byte[] jpeg = TestImages.jpeg(TestImages.photoLike(200, 150, 2), 95);
        RgbImage a = OPENCV.decode(jpeg), b = JAVA.decode(jpeg);
        assertEquals(200, a.width);
        assertEquals(150, a.height);
        assertTrue(meanAbsDiff(a, b) < 2, "mean |opencv - java| = " + meanAbsDiff(a, b));
        RgbImage gray = OPENCV.decode(TestImages.grayJpeg(64, 48));
        for (int i = 0; i < gray.rgb.length; i += 3) {
            assertEquals(gray.rgb[i], gray.rgb[i + 1]);
            assertEquals(gray.rgb[i], gray.rgb[i + 2]);
        }
        byte[] cmyk = TestImages.cmykJpeg(64, 48);
        assertEquals(64, OPENCV.decode(cmyk).width);
        assertEquals(48, JAVA.decode(cmyk).height);
        ImageHeader header = ImageProbe.probe(jpeg);
        for (ImageCodec codec : new ImageCodec[]{OPENCV, JAVA}) {
            // a mirrored crop of the right half, shrunk 2x (OpenCV by DCT scaling) equals the same done in Java
            RgbImage crop = codec.decode(jpeg, header, new Crop(100, 0, 100, 150, 50, 75, true));
            assertEquals(50, crop.width);
            RgbImage expected = Resampler.cropResize(b, 100, 0, 100, 150, 50, 75, true);
            // DCT scaling + area averaging and the triangle filter differ a little on this noisy image
            assertTrue(meanAbsDiff(expected, crop) < 6, codec.name() + ": " + meanAbsDiff(expected, crop));
        }
    }

    /**
     * The native codec keeps its buffers per thread: a crop must not depend on what the thread
     * decoded before, and an off-centre box must be the box the Java resampler cuts.
     */
    @Test
    void nativeCropsDoNotDependOnWhatTheThreadDecodedBefore() throws Exception {
        byte[] large = TestImages.jpeg(TestImages.photoLike(300, 220, 4), 95);
        byte[] small = TestImages.jpeg(TestImages.photoLike(40, 30, 5), 95);
        ImageHeader largeHeader = ImageProbe.probe(large), smallHeader = ImageProbe.probe(small);
        Crop offCentre = new Crop(70, 40, 160, 120, 40, 30, false);  // decoded at 1/4 by DCT scaling
        Crop enlarged = new Crop(5, 3, 20, 16, 32, 32, true);
        RgbImage expected = Resampler.cropResize(JAVA.decode(large), 70, 40, 160, 120, 40, 30, false);
        RgbImage alone = onNewThread(() -> OPENCV.decode(large, largeHeader, offCentre));
        assertTrue(meanAbsDiff(expected, alone) < 6, "mean |opencv - java| = " + meanAbsDiff(expected, alone));
        RgbImage smallAlone = onNewThread(() -> OPENCV.decode(small, smallHeader, enlarged));
        onNewThread(() -> {
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(smallAlone.rgb, OPENCV.decode(small, smallHeader, enlarged).rgb);
                assertEquals(300, OPENCV.decode(large).width);
                assertArrayEquals(alone.rgb, OPENCV.decode(large, largeHeader, offCentre).rgb);
            }
            return null;
        });
    }

    /**
     * The loader's cache crops decoded images in place of decoding each crop: for both codecs the
     * bytes must equal the decode's, shrunk, enlarged, mirrored, at the edges and off-square; where
     * OpenCV would decode at a reduced size the crop is refused rather than approximated.
     */
    @Test
    void croppingAWholeDecodedImageEqualsDecodingTheCrop() throws Exception {
        byte[] jpeg = TestImages.jpeg(TestImages.photoLike(57, 43, 6), 90);
        ImageHeader header = ImageProbe.probe(jpeg);
        Crop[] crops = {
                new Crop(0, 0, 57, 43, 32, 32, false),   // shrunk, whole
                new Crop(3, 7, 20, 15, 32, 32, true),    // enlarged, mirrored
                new Crop(40, 30, 17, 13, 24, 24, false), // at the bottom-right edge
                new Crop(10, 0, 30, 43, 16, 23, true),   // off-square output
                new Crop(5, 5, 1, 1, 8, 8, false),       // one pixel
        };
        for (ImageCodec codec : new ImageCodec[]{OPENCV, JAVA}) {
            RgbImage whole = codec.decode(jpeg);
            for (Crop crop : crops) {
                RgbImage cropped = codec.crop(whole, header, crop);
                assertArrayEquals(codec.decode(jpeg, header, crop).rgb, cropped.rgb, codec.name() + " " + crop);
                assertEquals(crop.outWidth(), cropped.width);
            }
        }
        // a box twice the output: OpenCV decodes it at half size, which a crop of the whole image is not
        Crop reduced = new Crop(0, 0, 56, 42, 28, 21, false);
        assertNull(OPENCV.crop(OPENCV.decode(jpeg), header, reduced));
        assertArrayEquals(JAVA.decode(jpeg, header, reduced).rgb, JAVA.crop(JAVA.decode(jpeg), header, reduced).rgb);
    }

    private static <T> T onNewThread(Callable<T> work) throws Exception {
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try {
            return thread.submit(work).get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw new AssertionError(e.getCause());
        } finally {
            thread.shutdown();
        }
    }

    @Test
    void encodedJpegDecodesToTheSamePixels() throws Exception {
        RgbImage image = OPENCV.decode(TestImages.jpeg(TestImages.photoLike(96, 64, 3), 95));
        for (ImageCodec codec : new ImageCodec[]{OPENCV, JAVA}) {
            RgbImage back = OPENCV.decode(codec.encodeJpeg(image, 95));
            assertTrue(meanAbsDiff(image, back) < 3, codec.name());
        }
    }

    @Test
    void resamplerKeepsFlatColourAndMirrors() {
        byte[] flat = new byte[90 * 60 * 3];
        Arrays.fill(flat, (byte) 77);
        RgbImage small = Resampler.resize(new RgbImage(90, 60, flat), 31, 17);
        for (byte v : small.rgb) assertEquals(77, v);
        byte[] ramp = new byte[8 * 3];
        for (int x = 0; x < 8; x++) ramp[x * 3] = (byte) (x * 30);
        RgbImage mirrored = Resampler.cropResize(new RgbImage(8, 1, ramp), 0, 0, 8, 1, 8, 1, true);
        for (int x = 0; x < 8; x++) assertEquals((7 - x) * 30, mirrored.rgb[x * 3] & 0xFF);
    }

    @Test
    void preparerShrinksShortSideKeepsSmallJpegsAndConverts() throws Exception {
        ImagePreparer preparer = new ImagePreparer(256, false, 90, ImageCodecs.get());
        ImagePreparer.Prepared big = preparer.prepare(TestImages.jpeg(TestImages.photoLike(500, 375, 4), 90), "a.JPEG");
        assertEquals(341, big.width());
        assertEquals(256, big.height());
        assertEquals(new ImageHeader(ImageHeader.Format.JPEG, 341, 256, 3), ImageProbe.probe(big.jpeg()));
        byte[] small = TestImages.jpeg(TestImages.photoLike(28, 28, 5), 95);
        assertSame(small, preparer.prepare(small, "b.JPEG").jpeg());
        ImagePreparer.Prepared up = new ImagePreparer(64, true, 90, ImageCodecs.get()).prepare(small, "b.JPEG");
        assertEquals(64, up.width());
        ImagePreparer.Prepared cmyk = preparer.prepare(TestImages.cmykJpeg(60, 40), "c.JPEG");
        assertEquals(3, ImageProbe.probe(cmyk.jpeg()).components());
        assertEquals("CMYK converted to RGB", cmyk.conversions().get(0));
        ImagePreparer.Prepared png = preparer.prepare(TestImages.png(TestImages.photoLike(30, 20, 6)), "d.JPEG");
        assertEquals(ImageHeader.Format.JPEG, ImageProbe.probe(png.jpeg()).format());
    }

    private static double meanAbsDiff(RgbImage a, RgbImage b) {
        assertArrayEquals(new int[]{a.width, a.height}, new int[]{b.width, b.height});
        long sum = 0;
        for (int i = 0; i < a.rgb.length; i++) sum += Math.abs((a.rgb[i] & 0xFF) - (b.rgb[i] & 0xFF));
        return (double) sum / a.rgb.length;
    }
}
