package org.micronet.ingest;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Spark local[2] ingest of a subset of the shared Fashion-MNIST dataset in the ILSVRC layout, and
 * of WebDataset tars made from the same files: both give exactly the counts and labels of the source.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SharedDatasetIngestTest {
    private JavaSparkContext sc;
    private FileSystem fs;
    private Path tmp;
    private Path subset;
    /** Expected labels (class index) by key, from folder names and LOC_val_solution.csv. */
    private final Map<String, Integer> expectedTrain = new TreeMap<>();
    private final Map<String, Integer> expectedVal = new TreeMap<>();

    @BeforeAll
    void setUp(@TempDir Path tmp) throws IOException {
        Path tarball = TestData.sharedTarball();
        this.tmp = tmp;
        subset = tmp.resolve("subset");
        // n_10..n_19 of each class (100 train) and the val ids ending in 17 (100 val, all classes)
        int n = TestData.extract(tarball, name -> name.startsWith("LOC_")
                || name.matches("train/n\\d+/n\\d+_1\\d\\.JPEG") || name.matches("val/ILSVRC2012_val_0000\\d\\d17\\.JPEG"), subset);
        assertEquals(2 + 100 + 100, n);
        try (var files = Files.list(subset.resolve("train"))) {
            for (Path dir : files.toList()) {
                String wnid = dir.getFileName().toString();
                for (int i = 10; i < 20; i++) expectedTrain.put(wnid + "/" + wnid + "_" + i, classOf(wnid));
            }
        }
        for (String line : Files.readAllLines(subset.resolve("LOC_val_solution.csv"))) {
            String[] f = line.split(",");
            if (Files.exists(subset.resolve("val/" + f[0] + ".JPEG"))) {
                expectedVal.put(f[0], classOf(f[1].trim().split(" ")[0]));
            }
        }
        assertEquals(100, expectedVal.size());
        sc = SparkTests.localContext("SharedDatasetIngestTest");
        fs = FileSystem.getLocal(sc.hadoopConfiguration());
    }

    @AfterAll
    void stop() {
        if (sc != null) sc.stop();
    }

    private static int classOf(String wnid) {
        return Integer.parseInt(wnid.substring("n9000000".length()));
    }

    @Test
    void ilsvrcLayoutGivesExactCountsAndLabels() throws IOException {
        IngestOptions o = new IngestOptions(subset.toString(), tmp.resolve("ilsvrc-out").toString());
        o.shardSize = 30;
        Manifest m = IngestJob.run(o, sc).manifest();
        assertEquals("ilsvrc", m.source.layout);
        assertCounts(m);
        org.apache.hadoop.fs.Path out = new org.apache.hadoop.fs.Path(tmp.resolve("ilsvrc-out").toUri());
        assertEquals(expectedTrain, new TreeMap<>(ShardContents.labels(fs, out, "train")));
        assertEquals(expectedVal, new TreeMap<>(ShardContents.labels(fs, out, "val")));
    }

    @Test
    void webDatasetTarsGiveExactCountsAndLabels() throws IOException {
        Path shards = Files.createDirectories(tmp.resolve("wds"));
        Files.copy(subset.resolve("LOC_synset_mapping.txt"), shards.resolve("LOC_synset_mapping.txt"));
        List<String> trainKeys = new ArrayList<>(expectedTrain.keySet());
        for (int t = 0; t < 3; t++) {
            // .cls holds the class index in the train tars
            Map<String, byte[][]> members = new HashMap<>();
            for (int i = t; i < trainKeys.size(); i += 3) {
                String key = trainKeys.get(i);
                members.put(key, new byte[][]{Files.readAllBytes(subset.resolve("train/" + key + ".JPEG")),
                        Integer.toString(expectedTrain.get(key)).getBytes(StandardCharsets.US_ASCII)});
            }
            writeTar(shards.resolve(String.format("train-%03d.tar", t)), members, ".jpeg", ".cls");
        }
        Map<String, byte[][]> txt = new HashMap<>(), json = new HashMap<>();
        for (Map.Entry<String, Integer> e : expectedVal.entrySet()) {
            byte[] jpeg = Files.readAllBytes(subset.resolve("val/" + e.getKey() + ".JPEG"));
            String wnid = "n9000000" + e.getValue();
            // the val tars label by wnid, in .txt for one half and .json for the other
            if (txt.size() < 50) {
                txt.put(e.getKey(), new byte[][]{jpeg, wnid.getBytes(StandardCharsets.UTF_8)});
            } else {
                json.put(e.getKey(), new byte[][]{jpeg, ("{\"wnid\": \"" + wnid + "\"}").getBytes(StandardCharsets.UTF_8)});
            }
        }
        writeTar(shards.resolve("val-000.tar"), txt, ".jpg", ".txt");
        writeTar(shards.resolve("val-001.tar"), json, ".jpg", ".json");

        IngestOptions o = new IngestOptions(shards.toString(), tmp.resolve("wds-out").toString());
        o.shardSize = 30;
        Manifest m = IngestJob.run(o, sc).manifest();
        assertEquals("webdataset", m.source.layout);
        assertCounts(m);
        org.apache.hadoop.fs.Path out = new org.apache.hadoop.fs.Path(tmp.resolve("wds-out").toUri());
        assertEquals(expectedTrain, new TreeMap<>(ShardContents.labels(fs, out, "train")));
        assertEquals(expectedVal, new TreeMap<>(ShardContents.labels(fs, out, "val")));
    }

    private void assertCounts(Manifest m) {
        assertEquals(200, m.images);
        assertEquals(List.of(), m.rejected);
        assertEquals(10, m.classes.size());
        for (Manifest.ClassEntry c : m.classes) {
            long val = expectedVal.values().stream().filter(v -> v == c.index).count();
            assertEquals(Map.of("train", 10L, "val", val), c.images, "class " + c.wnid);
        }
    }

    static void writeTar(Path tar, Map<String, byte[][]> samples, String imageExt, String labelExt) throws IOException {
        try (OutputStream out = Files.newOutputStream(tar); TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
            for (Map.Entry<String, byte[][]> s : new TreeMap<>(samples).entrySet()) {
                put(t, s.getKey() + imageExt, s.getValue()[0]);
                put(t, s.getKey() + labelExt, s.getValue()[1]);
            }
        }
    }

    private static void put(TarArchiveOutputStream t, String name, byte[] data) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(data.length);
        t.putArchiveEntry(e);
        t.write(data);
        t.closeArchiveEntry();
    }
}
