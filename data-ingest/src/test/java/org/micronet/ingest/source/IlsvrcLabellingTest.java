package org.micronet.ingest.source;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.micronet.ingest.TestData;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The three ways of labelling ILSVRC val images, and layout detection, on the local filesystem. */
class IlsvrcLabellingTest {
    private final FileSystem fs;

    IlsvrcLabellingTest() throws IOException {
        fs = FileSystem.getLocal(new Configuration());
    }

    private static Map<String, Integer> labels(SourceListing listing, String split) {
        Map<String, Integer> labels = new TreeMap<>();
        listing.samples().stream().filter(s -> s.split().equals(split)).forEach(s -> labels.put(s.key(), s.label()));
        return labels;
    }

    private static java.nio.file.Path copyVal(java.nio.file.Path root, String... ids) throws IOException {
        java.nio.file.Path val = Files.createDirectories(root.resolve("val"));
        for (String id : ids) {
            Files.copy(TestData.sample().resolve("val/" + id + ".JPEG"), val.resolve(id + ".JPEG"));
        }
        return val;
    }

    @Test
    void devkitGroundTruthMappedThroughMetaMat(@TempDir java.nio.file.Path root) throws IOException {
        copyVal(root, "ILSVRC2012_val_00000001", "ILSVRC2012_val_00000002", "ILSVRC2012_val_00000003");
        java.nio.file.Path data = Files.createDirectories(root.resolve("ILSVRC2012_devkit_t12/data"));
        // ILSVRC2012_IDs 2, 10, 1: meta.mat maps them to n90000000, n90000006, n90000003
        Files.writeString(data.resolve("ILSVRC2012_validation_ground_truth.txt"), "2\n10\n1\n");
        try (InputStream meta = getClass().getResourceAsStream("/devkit/meta.mat")) {
            Files.copy(meta, data.resolve("meta.mat"));
        }
        Files.copy(TestData.sample().resolve("LOC_synset_mapping.txt"), root.resolve("LOC_synset_mapping.txt"));
        SourceListing listing = Layout.detect(fs, new Path(root.toUri())).open(fs, new Path(root.toUri())).list();
        assertEquals(Layout.ILSVRC, listing.layout());
        assertEquals(Map.of("ILSVRC2012_val_00000001", 0, "ILSVRC2012_val_00000002", 6, "ILSVRC2012_val_00000003", 3),
                labels(listing, "val"));
        assertEquals("Dress", listing.classes().name(3));
    }

    @Test
    void valLabelsFromWnidFoldersAndFromTheSolutionCsv(@TempDir java.nio.file.Path root) throws IOException {
        java.nio.file.Path val = copyVal(root, "ILSVRC2012_val_00000001");
        Files.writeString(root.resolve("LOC_val_solution.csv"), "ImageId,PredictionString\nILSVRC2012_val_00000001,n90000002 0 0 27 27 \n");
        java.nio.file.Path folder = Files.createDirectories(val.resolve("n90000005"));
        Files.copy(TestData.sample().resolve("val/ILSVRC2012_val_00000002.JPEG"), folder.resolve("x.JPEG"));
        java.nio.file.Path train = Files.createDirectories(root.resolve("train/n90000002"));
        Files.copy(TestData.sample().resolve("train/n90000002/n90000002_1.JPEG"), train.resolve("n90000002_1.JPEG"));
        Files.createDirectories(root.resolve("train/n90000005"));
        // without LOC_synset_mapping.txt the class index is the sorted train folders
        SourceListing listing = new IlsvrcSource(fs, new Path(root.toUri())).list();
        assertEquals(java.util.List.of("n90000002", "n90000005"), listing.classes().ids());
        assertEquals(Map.of("ILSVRC2012_val_00000001", 0, "n90000005/x", 1), labels(listing, "val"));
        assertEquals(Map.of("n90000002/n90000002_1", 0), labels(listing, "train"));
    }

    @Test
    void matFileReadsTheSynsetsStruct() throws IOException {
        byte[] bytes;
        try (InputStream meta = getClass().getResourceAsStream("/devkit/meta.mat")) {
            bytes = meta.readAllBytes();
        }
        java.util.List<?> synsets = (java.util.List<?>) MatFile.read(bytes).get("synsets");
        assertEquals(12, synsets.size());
        Map<?, ?> eleventh = (Map<?, ?>) synsets.get(10);
        assertEquals("n80000001", eleventh.get("WNID"));
        assertEquals(2.0, ((double[]) eleventh.get("num_children"))[0]);
        assertEquals(2, ((double[]) eleventh.get("children")).length);
    }
}
