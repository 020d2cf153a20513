package org.micronet.ingest.loader;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.micronet.ingest.IngestJob;
import org.micronet.ingest.IngestOptions;
import org.micronet.ingest.SparkTests;
import org.micronet.ingest.TestData;
import org.micronet.ingest.TestImages;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The loader on shards ingested from the bundled sample, with Spark local[2]. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ShardLoaderTest {
    private JavaSparkContext sc;
    private ShardLoader loader;
    private String shards;

    @BeforeAll
    void ingest(@TempDir Path tmp) throws IOException {
        sc = SparkTests.localContext("ShardLoaderTest");
        shards = tmp.resolve("shards").toString();
        ingestSample(shards);
        loader = ShardLoader.open(sc, shards);
    }

    @AfterAll
    void stop() {
        sc.stop();
    }

    @Test
    void trainingBatchesAreNchwFloatWithOneHotLabelsCoveringEverySampleOnce() {
        List<DataSet> batches = loader.trainingRdd("train", 32, 16, 7, 0).collect();
        long[] perClass = new long[10];
        for (DataSet ds : batches) {
            INDArray f = ds.getFeatures(), l = ds.getLabels();
            assertEquals(DataType.FLOAT, f.dataType());
            assertArrayEquals(new long[]{ds.numExamples(), 3, 32, 32}, f.shape());
            assertArrayEquals(new long[]{ds.numExamples(), 10}, l.shape());
            assertTrue(ds.numExamples() <= 16);
            for (int i = 0; i < ds.numExamples(); i++) {
                assertEquals(1.0, l.getRow(i).sumNumber().doubleValue(), 0);
                assertEquals(1.0, l.getRow(i).maxNumber().doubleValue(), 0);
                perClass[l.getRow(i).argMax().getInt(0)]++;
            }
        }
        long[] thirty = new long[10];
        Arrays.fill(thirty, 30);
        assertArrayEquals(thirty, perClass);
        // normalised by the ImageNet statistics: values around zero, not 0..255
        double mean = batches.get(0).getFeatures().meanNumber().doubleValue();
        assertTrue(Math.abs(mean) < 2.5, "feature mean " + mean);
    }

    @Test
    void augmentationIsReproducibleFromSeedAndEpochAndRedrawnEachEpoch() {
        List<DataSet> a = loader.trainingRdd("train", 24, 300, 11, 3).collect();
        List<DataSet> b = loader.trainingRdd("train", 24, 300, 11, 3).collect();
        List<DataSet> nextEpoch = loader.trainingRdd("train", 24, 300, 11, 4).collect();
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).getFeatures(), b.get(i).getFeatures());
            assertEquals(a.get(i).getLabels(), b.get(i).getLabels());
        }
        assertFalse(a.get(0).getFeatures().equals(nextEpoch.get(0).getFeatures()));
    }

    @Test
    void perSampleDrawsDependOnlyOnSeedEpochAndKey() throws Exception {
        byte[] jpeg = TestImages.jpeg(TestImages.photoLike(341, 256, 3), 90);
        float[] first = new float[3 * 64 * 64], again = new float[first.length], otherEpoch = new float[first.length];
        SampleTransform.training(64, Augmentation.DEFAULT_MIN_SCALE, 5, 1).apply("n1/a", jpeg, first, 0);
        SampleTransform.training(64, Augmentation.DEFAULT_MIN_SCALE, 5, 1).apply("n1/a", jpeg, again, 0);
        SampleTransform.training(64, Augmentation.DEFAULT_MIN_SCALE, 5, 2).apply("n1/a", jpeg, otherEpoch, 0);
        assertArrayEquals(first, again);
        assertFalse(Arrays.equals(first, otherEpoch));
        Augmentation.Draw d = Augmentation.draw(Augmentation.DEFAULT_MIN_SCALE, 5, 1, "n1/a", 341, 256);
        double area = (double) d.width() * d.height() / (341 * 256);
        double aspect = (double) d.width() / d.height();
        assertTrue(area >= 0.079 && area <= 1.0 && aspect >= 0.74 && aspect <= 1.34, d.toString());
    }

    @Test
    void cropsNeverTakeLessThanTheMinimumScale() {
        for (int i = 0; i < 200; i++) {
            Augmentation.Draw d = Augmentation.draw(0.5, 9, i, "n1/" + i, 36, 36);
            // rounding the side lengths can lose up to about one row and one column
            assertTrue((d.width() + 1.0) * (d.height() + 1.0) >= 0.5 * 36 * 36, d.toString());
        }
        assertThrows(IllegalArgumentException.class, () -> SampleTransform.training(32, 0, 1, 0));
    }

    @Test
    void configurablePartitionsKeepEverySample() {
        JavaRDD<DataSet> rdd = loader.withPartitions(12).trainingRdd("train", 16, 8, 1, 0);
        assertEquals(12, rdd.getNumPartitions());
        assertEquals(300, rdd.map(DataSet::numExamples).reduce(Integer::sum));
        JavaRDD<DataSet> eval = loader.withPartitions(2).evaluationRdd("val", 16, 8);
        assertEquals(2, eval.getNumPartitions());
        assertEquals(100, eval.map(DataSet::numExamples).reduce(Integer::sum));
    }

    @Test
    void batchRangesSplitEachPartitionsEpochExactlyAndItsSizeIsKnownBeforehand() {
        // 5 shards of the 300 training images over 2 partitions: unequal ones
        ShardLoader two = loader.withPartitions(2);
        long[] sizes = two.partitionImages("train", 3, 1);
        List<List<DataSet>> whole = two.trainingRdd("train", 16, 8, 3, 1).glom().collect();
        assertEquals(2, sizes.length);
        assertEquals(300, sizes[0] + sizes[1]);
        // the first range twice (a retried chunk), then the others: each partition's stream is
        // parked after a range and the next range goes on from it; the retry reads from the start
        List<List<DataSet>> retried = two.trainingRdd("train", 16, 8, 3, 1, 0, 5).glom().collect();
        List<List<DataSet>> first = two.trainingRdd("train", 16, 8, 3, 1, 0, 5).glom().collect();
        long resumedBefore = OpenPartitions.resumed();
        List<List<DataSet>> second = two.trainingRdd("train", 16, 8, 3, 1, 5, 12).glom().collect();
        List<List<DataSet>> rest = two.trainingRdd("train", 16, 8, 3, 1, 12, Integer.MAX_VALUE).glom().collect();
        assertEquals(4, OpenPartitions.resumed() - resumedBefore, "ranges 2 and 3 of both partitions went on from parked streams");
        for (int p = 0; p < 2; p++) {
            assertEquals(sizes[p], whole.get(p).stream().mapToInt(DataSet::numExamples).sum());
            for (int i = 0; i < 5; i++) {
                assertEquals(first.get(p).get(i).getFeatures(), retried.get(p).get(i).getFeatures());
            }
            List<DataSet> chunked = new ArrayList<>(first.get(p));
            chunked.addAll(second.get(p));
            chunked.addAll(rest.get(p));
            assertEquals(5, first.get(p).size());
            assertEquals(whole.get(p).size(), chunked.size());
            for (int i = 0; i < chunked.size(); i++) {
                assertEquals(whole.get(p).get(i).getFeatures(), chunked.get(i).getFeatures(), "partition " + p + " batch " + i);
                assertEquals(whole.get(p).get(i).getLabels(), chunked.get(i).getLabels());
            }
        }
    }

    /**
     * Held in memory, the samples give the batches that reading and decoding them each epoch gives:
     * the first epoch offers the slices read whole to the cache (halves of shards, which no other
     * test reads) and keeps the decoded images of the samples still to come, the later epochs crop
     * those. At 8 pixels OpenCV decodes most of these 28x28 crops at half
     * size, so the held samples decode their bytes there instead.
     */
    @Test
    void samplesHeldInMemoryGiveTheBatchesThatReadingThemGives() {
        ShardLoader none = loader.withPartitions(7).withCacheBytes(0);
        ShardLoader held = loader.withPartitions(7).withCacheBytes(64L << 20);
        for (int size : new int[]{32, 8}) {
            long before = SampleCache.held();
            for (int epoch = 0; epoch < 3; epoch++) {
                List<DataSet> read = none.trainingRdd("train", size, 16, 9, epoch).collect();
                List<DataSet> kept = held.trainingRdd("train", size, 16, 9, epoch).collect();
                assertEquals(read.size(), kept.size());
                for (int i = 0; i < read.size(); i++) {
                    assertEquals(read.get(i).getFeatures(), kept.get(i).getFeatures(), "size " + size + " epoch " + epoch);
                    assertEquals(read.get(i).getLabels(), kept.get(i).getLabels());
                }
                if (epoch == 1 && size == 32) {
                    assertTrue(SampleCache.held() > before + 300 * 28 * 28 * 3, "the decoded images are kept: "
                            + SampleCache.held() + " bytes, " + before + " before");
                }
            }
            assertEquals(none.evaluationRdd("val", size, 16).collect().stream().map(DataSet::getFeatures).toList(),
                    held.evaluationRdd("val", size, 16).collect().stream().map(DataSet::getFeatures).toList());
        }
    }

    /** A dataset ingested again at the same path is read again: same shards and counts, other images. */
    @Test
    void aDatasetWrittenAgainAtTheSamePathIsNotServedFromMemory(@TempDir Path tmp) throws IOException {
        String again = tmp.resolve("again").toString();
        IngestOptions o = ingestSample(again);
        List<DataSet> before = ShardLoader.open(sc, again).trainingRdd("train", 16, 16, 2, 0).collect();
        o.shortSide = 20;  // the 28x28 garments now 20x20
        o.overwrite = true;
        IngestJob.run(o, sc);
        List<DataSet> held = ShardLoader.open(sc, again).trainingRdd("train", 16, 16, 2, 0).collect();
        List<DataSet> read = ShardLoader.open(sc, again).withCacheBytes(0).trainingRdd("train", 16, 16, 2, 0).collect();
        assertNotEquals(before.get(0).getFeatures(), read.get(0).getFeatures());
        for (int i = 0; i < read.size(); i++) {
            assertEquals(read.get(i).getFeatures(), held.get(i).getFeatures(), "batch " + i);
        }
    }

    /** A budget that holds one dataset: the next dataset read takes the room of the one before. */
    @Test
    void aNewDatasetTakesTheRoomOfTheOneBefore(@TempDir Path tmp) throws IOException {
        String other = tmp.resolve("other").toString();
        ingestSample(other);
        long oneDataset = 2L << 20;  // the sample's 300 training images: about 0.3 MB encoded, 0.7 MB decoded
        ShardLoader first = loader.withCacheBytes(oneDataset), second = ShardLoader.open(sc, other).withCacheBytes(oneDataset);
        String firstRoot = qualified(shards), secondRoot = qualified(other);
        first.trainingRdd("train", 16, 16, 4, 0).collect();
        assertTrue(SampleCache.holds(firstRoot));
        second.trainingRdd("train", 16, 16, 4, 0).collect();
        assertTrue(SampleCache.holds(secondRoot), "the new dataset is held");
        assertFalse(SampleCache.holds(firstRoot), "the one before was dropped for it");
        assertTrue(SampleCache.held() <= oneDataset, SampleCache.held() + " bytes held");
    }

    @Test
    void evaluationResizesToSizeOver0875AndCropsTheCentre() throws Exception {
        // red | green | blue thirds of 320 px; the centre crop keeps x in [55, 265] of 320
        byte[] jpeg = TestImages.jpeg(TestImages.bands(320, 240), 95);
        int size = 64;
        float[] out = new float[3 * size * size];
        SampleTransform.evaluation(Preprocessing.evaluation(size, 256, false, 90)).apply("k", jpeg, out, 0);
        assertArrayEquals(new int[]{255, 0, 0}, pixel(out, size, 5, 32));
        assertArrayEquals(new int[]{0, 255, 0}, pixel(out, size, 32, 32));
        assertArrayEquals(new int[]{0, 0, 255}, pixel(out, size, 58, 32));
        // red ends at x = 106.7 of the source: (106.7 - 55) / 210 * 64 = 15.8 in the output
        assertTrue(pixel(out, size, 14, 32)[0] > 200 && pixel(out, size, 17, 32)[1] > 200);
    }

    /** The bundled sample ingested into {@code dir} in shards of 64; returns the options it used. */
    private IngestOptions ingestSample(String dir) throws IOException {
        IngestOptions o = new IngestOptions(TestData.sample().toString(), dir);
        o.shardSize = 64;
        IngestJob.run(o, sc);
        return o;
    }

    private String qualified(String dir) throws IOException {
        org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(dir);
        return path.getFileSystem(sc.hadoopConfiguration()).makeQualified(path).toString();
    }

    /** De-normalised RGB at (x, y), rounded to 0/255 where within JPEG error. */
    private static int[] pixel(float[] chw, int size, int x, int y) {
        int[] rgb = new int[3];
        for (int c = 0; c < 3; c++) {
            float v = (chw[c * size * size + y * size + x] * SampleTransform.STD[c] + SampleTransform.MEAN[c]) * 255;
            rgb[c] = v > 230 ? 255 : v < 25 ? 0 : Math.round(v);
        }
        return rgb;
    }
}
