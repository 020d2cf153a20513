package org.micronet.ingest.bench;

import org.micronet.ingest.TestData;
import org.micronet.ingest.TestImages;
import org.micronet.ingest.image.Crop;
import org.micronet.ingest.image.ImageCodec;
import org.micronet.ingest.image.ImageCodecs;
import org.micronet.ingest.image.ImageHeader;
import org.micronet.ingest.image.ImagePreparer;
import org.micronet.ingest.image.ImageProbe;
import org.micronet.ingest.image.JavaCodec;
import org.micronet.ingest.image.OpenCvCodec;
import org.micronet.ingest.loader.Augmentation;
import org.micronet.ingest.loader.SampleTransform;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Single-thread images/s of decode + random resized crop + flip to 224 (the loader's work per
 * image) with OpenCV/libjpeg-turbo, TwelveMonkeys and the JDK's plain ImageIO, on generated
 * 500x375 JPEGs (ImageNet-sized) and on the small Fashion-MNIST JPEGs; plus the ingest's
 * prepare step (decode, shrink to 256, re-encode). Run by benchmarks/ingest/run.sh:
 * {@code DecodeBenchmark <results.md> [seconds per measurement]}.
 */
public final class DecodeBenchmark {
    private static final int SIZE = 224;

    private DecodeBenchmark() {
    }

    private interface Work {
        void run(byte[] jpeg, int i) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        Path out = Paths.get(args.length > 0 ? args[0] : "benchmarks/results/ingest-decode.md");
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 4;
        List<byte[]> large = new ArrayList<>();
        for (int i = 0; i < 64; i++) large.add(TestImages.jpeg(TestImages.photoLike(500, 375, i), 90));
        List<byte[]> small = smallImages();
        ImagePreparer preparer = new ImagePreparer(256, false, 90, ImageCodecs.get());
        // what the loader reads in practice: the ingest's output, short side 256
        List<byte[]> ingested = new ArrayList<>();
        for (byte[] jpeg : large) ingested.add(preparer.prepare(jpeg, "x.JPEG").jpeg());

        ImageCodec opencv = new OpenCvCodec();
        ImageCodec twelve = new JavaCodec();
        ImageCodec jdk = new JavaCodec(JavaCodec.findJpegReader("com.sun.imageio."));
        StringBuilder table = new StringBuilder("| images | work (1 thread) | decoder | images/s | vs plain ImageIO |\n|---|---|---|---:|---:|\n");
        for (Object[] set : new Object[][]{{"500x375 JPEG q90 (generated)", large},
                {"341x256 JPEG q90 (those after ingest)", ingested}, {small.size() + " Fashion-MNIST 28x28 JPEGs", small}}) {
            @SuppressWarnings("unchecked") List<byte[]> images = (List<byte[]>) set[1];
            double baseline = measure(images, seconds, crop(jdk));
            for (ImageCodec codec : new ImageCodec[]{opencv, twelve, jdk}) {
                double rate = codec == jdk ? baseline : measure(images, seconds, crop(codec));
                row(table, (String) set[0], "decode + random resized crop + flip to 224", codec.name(), rate, baseline);
            }
            float[] dest = new float[3 * SIZE * SIZE];
            SampleTransform transform = SampleTransform.training(SIZE, Augmentation.DEFAULT_MIN_SCALE, 1, 0);
            double full = measure(images, seconds, (jpeg, i) -> transform.apply("k" + i, jpeg, dest, 0));
            row(table, (String) set[0], "loader training transform (above + NCHW float normalisation)",
                    ImageCodecs.get().primary().name(), full, baseline);
        }
        double ingest = measure(large, seconds, (jpeg, i) -> preparer.prepare(jpeg, "x.JPEG"));
        row(table, "500x375 JPEG q90 (generated)", "ingest prepare: decode, shrink to 341x256, re-encode q90",
                ImageCodecs.get().primary().name(), ingest, Double.NaN);

        String report = "# data-ingest decode benchmark\n\n"
                + "Written by `benchmarks/ingest/run.sh` (class `org.micronet.ingest.bench.DecodeBenchmark` in"
                + " data-ingest/src/test/java). One thread, so images/s = images/s per core; " + seconds
                + " s per measurement after a warm-up of the same length.\n\n"
                + "- date: " + ZonedDateTime.now() + "\n"
                + "- machine: " + InetAddress.getLocalHost().getHostName() + ", nproc " + Runtime.getRuntime().availableProcessors()
                + ", CPU " + cpuModel() + "\n"
                + "- java: " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version") + "\n"
                + "- target: at least 300 images/s per core for decode + resize + crop + flip at 224\n\n"
                + table;
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, report);
        System.out.print(report);
    }

    private static Work crop(ImageCodec codec) {
        return (jpeg, i) -> {
            ImageHeader header = ImageProbe.probe(jpeg);
            Augmentation.Draw d = Augmentation.draw(Augmentation.DEFAULT_MIN_SCALE, 1, 0, "k" + i, header.width(), header.height());
            codec.decode(jpeg, header, new Crop(d.x(), d.y(), d.width(), d.height(), SIZE, SIZE, d.flip()));
        };
    }

    private static double measure(List<byte[]> images, double seconds, Work work) throws Exception {
        run(images, seconds, work);
        return run(images, seconds, work);
    }

    private static double run(List<byte[]> images, double seconds, Work work) throws Exception {
        long start = System.nanoTime(), deadline = start + (long) (seconds * 1e9);
        int n = 0;
        while (System.nanoTime() < deadline) {
            for (int k = 0; k < 16; k++, n++) work.run(images.get(n % images.size()), n);
        }
        return n / ((System.nanoTime() - start) / 1e9);
    }

    private static void row(StringBuilder table, String images, String work, String decoder, double rate, double baseline) {
        table.append(String.format(Locale.ROOT, "| %s | %s | %s | %.0f | %s |%n", images, work, decoder, rate,
                Double.isNaN(baseline) ? "" : String.format(Locale.ROOT, "%.2fx", rate / baseline)));
    }

    /** 2000 small JPEGs from the shared dataset when it is there, else the project's 400-image sample. */
    private static List<byte[]> smallImages() throws IOException {
        Path shared = TestData.repo().resolveSibling("shared").resolve("datasets/fashion-mnist-ilsvrc.tar.gz");
        Path dir = TestData.sample();
        if (Files.isRegularFile(shared)) {
            dir = Files.createTempDirectory("bench-fmnist");
            // images 1-200 of each class
            TestData.extract(shared, name -> name.matches("train/n\\d+/n\\d+_([1-9]|[1-9]\\d|1\\d\\d|200)\\.JPEG"), dir);
        }
        List<byte[]> images = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.filter(p -> p.toString().endsWith(".JPEG")).sorted().toList()) images.add(Files.readAllBytes(p));
        }
        return images;
    }

    private static String cpuModel() throws IOException {
        try (Stream<String> lines = Files.lines(Paths.get("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name")).findFirst().map(l -> l.replaceFirst(".*:\\s*", "")).orElse("unknown");
        }
    }
}
