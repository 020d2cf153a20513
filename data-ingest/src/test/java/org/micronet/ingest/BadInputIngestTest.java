package org.micronet.ingest;

import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A fixture of every kind of bad input ImageNet users meet, made of real files: each is either
 * accepted and converted or rejected, and reported by name either way.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputIngestTest {
    private JavaSparkContext sc;
    private Path tmp;
    private Path input;

    @BeforeAll
    void setUp(@TempDir Path tmp) throws IOException {
        this.tmp = tmp;
        sc = SparkTests.localContext("BadInputIngestTest");
        input = tmp.resolve("bad-input");
        Path cls0 = Files.createDirectories(input.resolve("train/n90000000"));
        Path cls1 = Files.createDirectories(input.resolve("train/n90000001"));
        Path unknown = Files.createDirectories(input.resolve("train/n99999999"));
        Path val = Files.createDirectories(input.resolve("val"));
        Files.writeString(input.resolve("LOC_synset_mapping.txt"), "n90000000 first class\nn90000001 second class\n");
        byte[] good = TestImages.jpeg(TestImages.photoLike(500, 375, 1), 90);
        for (int i = 0; i < 4; i++) {
            Files.write(cls0.resolve("good_" + i + ".JPEG"), TestImages.jpeg(TestImages.photoLike(500, 375, i), 90));
            Files.write(cls1.resolve("good_" + i + ".JPEG"), TestImages.jpeg(TestImages.photoLike(375, 500, 10 + i), 90));
        }
        Files.write(cls0.resolve("truncated.JPEG"), Arrays.copyOf(good, good.length / 2));
        Files.write(cls0.resolve("zero.JPEG"), new byte[0]);
        Files.writeString(cls0.resolve("text.JPEG"), "this is not an image\n");
        Files.write(cls1.resolve("png.JPEG"), TestImages.png(TestImages.photoLike(300, 200, 5)));
        Files.write(cls1.resolve("cmyk.JPEG"), TestImages.cmykJpeg(320, 240));
        Files.write(cls1.resolve("gray.JPEG"), TestImages.grayJpeg(400, 300));
        Files.write(unknown.resolve("stray.JPEG"), good);
        Files.write(val.resolve("ILSVRC2012_val_00000001.JPEG"), good);
        Files.write(val.resolve("ILSVRC2012_val_00000002.JPEG"), good);
        Files.write(val.resolve("ILSVRC2012_val_00000003.JPEG"), good);
        Files.writeString(input.resolve("LOC_val_solution.csv"), "ImageId,PredictionString\n"
                + "ILSVRC2012_val_00000001,n90000001 1 2 3 4\n"
                + "ILSVRC2012_val_00000003,n98888888 1 2 3 4\n", StandardCharsets.UTF_8);
    }

    @AfterAll
    void stop() {
        sc.stop();
    }

    private IngestOptions options(String output, double maxRejectFraction) {
        IngestOptions o = new IngestOptions(input.toString(), tmp.resolve(output).toString());
        o.shardSize = 4;
        o.maxRejectFraction = maxRejectFraction;
        return o;
    }

    @Test
    void everyBadFileIsHandledAndReportedByName() throws IOException {
        Manifest m = IngestJob.run(options("out", 0.5), sc).manifest();
        Map<String, String> rejected = new TreeMap<>();
        m.rejected.forEach(r -> rejected.put(r.file(), r.reason()));
        assertEquals(List.of("train/n90000000/text.JPEG", "train/n90000000/truncated.JPEG", "train/n90000000/zero.JPEG",
                "train/n99999999/stray.JPEG", "val/ILSVRC2012_val_00000002.JPEG", "val/ILSVRC2012_val_00000003.JPEG"),
                List.copyOf(rejected.keySet()));
        assertTrue(rejected.get("train/n90000000/text.JPEG").startsWith("not an image"), rejected.toString());
        assertTrue(rejected.get("train/n90000000/truncated.JPEG").startsWith("truncated JPEG"), rejected.toString());
        assertEquals("zero-byte file", rejected.get("train/n90000000/zero.JPEG"));
        assertTrue(rejected.get("train/n99999999/stray.JPEG").startsWith("unknown wnid 'n99999999'"), rejected.toString());
        assertTrue(rejected.get("val/ILSVRC2012_val_00000002.JPEG").startsWith("missing val label"), rejected.toString());
        assertTrue(rejected.get("val/ILSVRC2012_val_00000003.JPEG").startsWith("unknown wnid 'n98888888'"), rejected.toString());

        Map<String, String> converted = new TreeMap<>();
        m.converted.forEach(c -> converted.merge(c.file(), c.conversion(), (a, b) -> a + "; " + b));
        assertEquals(Map.of(
                "train/n90000001/cmyk.JPEG", "CMYK converted to RGB",
                "train/n90000001/gray.JPEG", "grayscale converted to RGB",
                "train/n90000001/png.JPEG", "PNG content in a file named as JPEG, re-encoded as JPEG"), converted);

        assertEquals(4 + 7 + 1, m.images);
        assertEquals(Map.of("train", 4L, "val", 0L), m.classes.get(0).images);
        assertEquals(Map.of("train", 7L, "val", 1L), m.classes.get(1).images);
        assertEquals(6.0 / 18, m.rejectFraction, 1e-9);
        assertTrue(m.consistency.get(0).contains("no val images: n90000000"), m.consistency.toString());
    }

    @Test
    void tooManyRejectsFailClearlyAndPublishNothing() {
        IngestException e = assertThrows(IngestException.class, () -> IngestJob.run(options("strict", 0.05), sc));
        assertTrue(e.getMessage().contains("rejected 6 of 18 inputs"), e.getMessage());
        assertTrue(e.getMessage().contains("train/n90000000/text.JPEG"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("strict")));
    }
}
