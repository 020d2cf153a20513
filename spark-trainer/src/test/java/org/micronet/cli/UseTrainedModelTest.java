package org.micronet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.micronet.ingest.DataException;
import org.micronet.ingest.loader.ShardLoader;
import org.micronet.ingest.loader.ImageFeatures;
import org.micronet.trainer.ExportedModel;
import org.micronet.trainer.ModelCard;
import org.micronet.trainer.SparkContexts;
import org.nd4j.linalg.dataset.DataSet;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * predict, evaluate and score on a model trained here: the quickstart's M0 for one epoch on the
 * bundled 300-image sample (Spark local mode), validated on its 100 val images. A model this
 * short does not learn the classes (it gives every image the same class), so instead of "the
 * right class" the tests check that predict and score assign every image the class training's own
 * evaluation assigns it (their confusion matrices equal evaluate's), that evaluate's top-1 equals
 * the training run's final one, and that predict feeds the network exactly the features
 * evaluation fed it. The quickstart's model, which learns, is checked by hand (README).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UseTrainedModelTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private Path dir;
    private Path sample;
    private String export;
    private JsonNode card;
    private Cli.Run evaluation;
    /** Class id of each val image, by file name, from the sample's LOC_val_solution.csv. */
    private final Map<String, String> truth = new HashMap<>();
    private List<String> classIds;

    @BeforeAll
    void trainAndEvaluate(@TempDir Path tmp) throws Exception {
        dir = tmp;
        sample = Cli.repo().resolve("data/sample/fashion-mnist-ilsvrc");
        export = dir.resolve("export").toString();
        Cli.Run train = Cli.run("train", "--config", Cli.repo().resolve("configs/runs/quickstart.yaml").toString(),
                "--set", "data.train=" + sample, "--set", "epochs=1", "--set", "output=" + dir.resolve("run"),
                "--set", "export=" + export);
        assertEquals(0, train.exit(), train.err());
        card = JSON.readTree(dir.resolve("export/model-card.json").toFile());
        classIds = new ArrayList<>();
        card.get("class_ids").forEach(id -> classIds.add(id.asText()));
        for (String line : Files.readAllLines(sample.resolve("LOC_val_solution.csv")).subList(1, 101)) {
            String[] f = line.split(",");
            truth.put(f[0] + ".JPEG", f[1].split(" ")[0]);
        }
        evaluation = Cli.run("evaluate", "--model", export, "--data", sample.toString(),
                "--output", dir.resolve("evaluation").toString(), "--master", "local[2]");
        assertEquals(0, evaluation.exit(), evaluation.err());
    }

    @Test
    void theCardRecordsThePreprocessingValidationApplied() {
        JsonNode p = card.get("preprocessing");
        assertEquals(32, p.get("input_size").asInt());
        assertEquals(36, p.get("short_side").asInt(), "the quickstart ingests at short side 36");
        assertEquals(0.875, p.get("crop_fraction").asDouble());
        assertEquals(0.485, p.get("mean").get(0).asDouble(), 1e-6);
        assertEquals(0.225, p.get("std").get(2).asDouble(), 1e-6);
        assertEquals("RGB", p.get("channel_order").asText());
        assertEquals("NCHW", p.get("layout").asText());
        assertEquals(List.of("n90000000", "n90000001"), classIds.subList(0, 2));
        assertEquals("T-shirt/top", card.get("classes").get(0).asText());
    }

    @Test
    void evaluateReproducesTheTrainingRunsFinalTop1() throws Exception {
        double top1 = card.get("top1").asDouble();
        assertTrue(evaluation.out().contains(String.format("top1: %.4f%n", top1)),
                "training ended with top-1 " + top1 + "; evaluate printed:\n" + evaluation.out());
        long[][] confusion = confusion(Files.readAllLines(dir.resolve("evaluation/confusion.csv")));
        long correct = 0;
        for (int c = 0; c < confusion.length; c++) correct += confusion[c][c];
        assertEquals(top1, correct / 100.0, 0.0, "the diagonal of confusion.csv over the 100 val images");
        assertEquals(11, Files.readAllLines(dir.resolve("evaluation/per-class.csv")).size(), "header + 10 classes");
        String metrics = Files.readAllLines(dir.resolve("evaluation/metrics.csv")).get(1);
        assertTrue(metrics.contains(String.format(",%.4f,", top1)), metrics);
        String html = Files.readString(dir.resolve("evaluation/report.html"));
        assertTrue(html.contains("Confusion matrix") && html.contains("data:image/png;base64,"), "report.html");
    }

    @Test
    void predictPrintsTheTopClassesOfThreeBundledImages() throws Exception {
        List<String> images = Stream.of("ILSVRC2012_val_00000001.JPEG", "ILSVRC2012_val_00001001.JPEG",
                "ILSVRC2012_val_00002001.JPEG").map(f -> sample.resolve("val/" + f).toString()).toList();
        List<String> args = new ArrayList<>(List.of("predict", "--model", export, "--top", "3"));
        args.addAll(images);
        Cli.Run table = Cli.run(args.toArray(String[]::new));
        assertEquals(0, table.exit(), table.err());
        List<String> lines = table.out().lines().toList();
        assertEquals(1 + 3 * 3, lines.size(), table.out());
        assertTrue(lines.get(0).matches("image\\s+rank\\s+id\\s+name\\s+probability"), lines.get(0));
        for (int i = 0; i < 3; i++) {
            assertTrue(lines.get(1 + 3 * i).startsWith(images.get(i)), table.out());
        }

        args.add(1, "--json");
        Cli.Run json = Cli.run(args.toArray(String[]::new));
        assertEquals(0, json.exit(), json.err());
        JsonNode predictions = JSON.readTree(json.out());
        assertEquals(3, predictions.size());
        for (JsonNode p : predictions) {
            JsonNode top = p.get("top");
            assertEquals(3, top.size());
            int index = classIds.indexOf(top.get(0).get("id").asText());
            assertEquals(card.get("classes").get(index).asText(), top.get(0).get("name").asText());
            assertTrue(top.get(0).get("probability").asDouble() >= top.get(1).get("probability").asDouble());
            assertTrue(top.get(2).get("probability").asDouble() > 0);
        }
    }

    @Test
    void predictAssignsEveryValidationImageTheClassEvaluateDoes() throws Exception {
        Cli.Run r = Cli.run("predict", "--model", export, "--json", "--top", "1", "--batch-size", "7",
                sample.resolve("val").toString());
        assertEquals(0, r.exit(), r.err());
        Map<String, String> top1 = new HashMap<>();
        for (JsonNode p : JSON.readTree(r.out())) {
            top1.put(Path.of(p.get("image").asText().replace("file:", "")).getFileName().toString(),
                    p.get("top").get(0).get("id").asText());
        }
        assertEquals(100, top1.size());
        assertConfusionEqualsEvaluate(top1, "predict");
    }

    /**
     * The one-epoch model's output does not depend on its input (it gives every image the same
     * probabilities), so agreement in top-1 would not notice a predict that prepares images
     * differently. This checks what predict and score feed the network: for every val image, the
     * features from its file equal, bit for bit, one row of the training loader's evaluation batches.
     */
    @Test
    void predictFeedsTheNetworkWhatEvaluationFedItForEveryValidationImage() throws Exception {
        ModelCard model = ExportedModel.card(export, new Configuration());
        ImageFeatures features = new ImageFeatures(model.preprocessing());
        Map<String, Integer> fromFiles = new HashMap<>();
        try (Stream<Path> files = Files.list(sample.resolve("val"))) {
            for (Path f : files.toList()) {
                float[] x = new float[features.sampleLength()];
                features.apply(f.toString(), Files.readAllBytes(f), x, 0);
                fromFiles.merge(java.util.Arrays.toString(x), 1, Integer::sum);
            }
        }
        Map<String, Integer> fromBatches = new HashMap<>();
        try (JavaSparkContext sc = SparkContexts.create("evaluation-batches", "local[2]")) {
            ShardLoader val = ShardLoader.open(sc, dir.resolve("run/ingest/fashion-mnist-ilsvrc").toString());
            for (DataSet batch : val.evaluationRdd("val", 32, 32).collect()) {
                for (float[] row : batch.getFeatures().reshape(batch.numExamples(), features.sampleLength()).toFloatMatrix()) {
                    fromBatches.merge(java.util.Arrays.toString(row), 1, Integer::sum);
                }
            }
        }
        assertEquals(100, fromFiles.values().stream().mapToInt(Integer::intValue).sum());
        long matched = fromFiles.entrySet().stream().filter(e -> e.getValue().equals(fromBatches.get(e.getKey()))).count();
        assertEquals(fromBatches.size(), fromFiles.size(), "distinct images");
        assertEquals(fromFiles.size(), matched, "val images whose features from the file equal a row of the"
                + " evaluation batches");
    }

    @Test
    void scoreWritesParquetAgreeingWithEvaluateAndResumes() throws Exception {
        Path out = dir.resolve("scores");
        Cli.Run r = Cli.run("score", "--model", export, "--input", sample.resolve("val").toString(), "--output",
                out.toString(), "--csv", "--images-per-part", "40", "--master", "local[2]");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("images: 100\nrejected: 0\nparts: 3 (0 kept"), r.out());
        assertTrue(Files.exists(out.resolve("_SUCCESS")));
        Map<String, String> top1 = readParquet(out);
        assertEquals(100, top1.size(), "one row per image");
        assertConfusionEqualsEvaluate(top1, "score");
        assertEquals(1 + 40, Files.readAllLines(out.resolve("csv/part-00000.csv")).size());
        assertNoStaging();

        Cli.Run again = Cli.run("score", "--model", export, "--input", sample.resolve("val").toString(), "--output",
                out.toString());
        assertNotEquals(0, again.exit());
        assertTrue(again.err().contains(out + " already holds finished scores; pass --overwrite"), again.err());

        // as if the job had died after its first two parts: the rerun keeps them and writes the third
        Path staging = dir.resolve(".scores.score-tmp");
        Files.move(out, staging);
        Files.delete(staging.resolve("_SUCCESS"));
        Files.delete(staging.resolve("parquet/part-00002.parquet"));
        long written = Files.getLastModifiedTime(staging.resolve("parquet/part-00000.parquet")).toMillis();
        Cli.Run resumed = Cli.run("score", "--model", export, "--input", sample.resolve("val").toString(), "--output",
                out.toString(), "--csv", "--images-per-part", "40", "--master", "local[2]");
        assertEquals(0, resumed.exit(), resumed.err());
        assertTrue(resumed.out().contains("parts: 3 (2 kept from an interrupted run)"), resumed.out());
        assertEquals(written, Files.getLastModifiedTime(out.resolve("parquet/part-00000.parquet")).toMillis());
        assertEquals(top1, readParquet(out));
        assertNoStaging();
    }

    @Test
    void anUnreadableImageIsNamedAndSkippedAndTheOthersArePredictedAndScored() throws Exception {
        Path images = Files.createDirectories(dir.resolve("mixed"));
        Files.copy(sample.resolve("val/ILSVRC2012_val_00000001.JPEG"), images.resolve("good.jpg"));
        byte[] jpeg = Files.readAllBytes(sample.resolve("val/ILSVRC2012_val_00000002.JPEG"));
        Files.write(images.resolve("truncated.jpg"), java.util.Arrays.copyOf(jpeg, jpeg.length / 2));
        Cli.Run r = Cli.run("predict", "--model", export, images.toString());
        assertNotEquals(0, r.exit());
        assertTrue(r.out().contains("good.jpg") && !r.out().contains("truncated.jpg"), r.out());
        assertTrue(r.err().contains("skipped file:" + images.resolve("truncated.jpg") + ": truncated JPEG"), r.err());
        assertTrue(r.err().contains("1 of 2 images could not be decoded"), r.err());

        Path out = dir.resolve("mixed-scores");
        Cli.Run s = Cli.run("score", "--model", export, "--input", images.toString(), "--output", out.toString(),
                "--master", "local[2]");
        assertEquals(0, s.exit(), s.err());
        assertTrue(s.out().contains("images: 1\nrejected: 1"), s.out());
        List<String> rejected = Files.readAllLines(out.resolve("rejected.csv"));
        assertEquals(2, rejected.size());
        assertTrue(rejected.get(1).contains("truncated.jpg"), rejected.toString());
    }

    @Test
    void aMissingModelAModelWithoutACardAnOldCardOrACorruptZipIsADataExceptionNamingIt() throws Exception {
        Configuration conf = new Configuration();
        Path missing = dir.resolve("no-such-export");
        DataException e = assertThrows(DataException.class, () -> ExportedModel.load(missing.toString(), conf));
        assertTrue(e.getMessage().contains(missing + " does not exist"), e.getMessage());

        Path noCard = Files.createDirectories(dir.resolve("no-card"));
        Files.copy(dir.resolve("export/model.zip"), noCard.resolve("model.zip"));
        e = assertThrows(DataException.class, () -> ExportedModel.load(noCard.toString(), conf));
        assertTrue(e.getMessage().contains("has no model-card.json"), e.getMessage());

        Path old = Files.createDirectories(dir.resolve("old-card"));
        Files.copy(dir.resolve("export/model.zip"), old.resolve("model.zip"));
        ObjectNode oldCard = card.deepCopy();
        oldCard.remove("preprocessing");
        oldCard.remove("class_ids");
        Files.writeString(old.resolve("model-card.json"), oldCard.toString());
        e = assertThrows(DataException.class, () -> ExportedModel.load(old.toString(), conf));
        assertTrue(e.getMessage().contains(old.resolve("model-card.json") + " has no 'preprocessing'"), e.getMessage());

        Path corrupt = Files.createDirectories(dir.resolve("corrupt"));
        Files.copy(dir.resolve("export/model-card.json"), corrupt.resolve("model-card.json"));
        byte[] zip = Files.readAllBytes(dir.resolve("export/model.zip"));
        Files.write(corrupt.resolve("model.zip"), java.util.Arrays.copyOf(zip, zip.length / 3));
        e = assertThrows(DataException.class, () -> ExportedModel.load(corrupt.toString(), conf));
        assertTrue(e.getMessage().contains(corrupt.resolve("model.zip") + " cannot be read"), e.getMessage());

        Cli.Run r = Cli.run("predict", "--model", corrupt.toString(), sample.resolve("val").toString());
        assertNotEquals(0, r.exit());
        assertTrue(r.err().contains("model.zip cannot be read"), r.err());
    }

    @Test
    void anExistingOutputIsRefusedBeforeAnyWorkAndLeftAsItWas() throws Exception {
        Path out = Files.createDirectories(dir.resolve("taken"));
        Files.writeString(out.resolve("mine.txt"), "keep");
        Cli.Run r = Cli.run("evaluate", "--model", export, "--data", sample.toString(), "--output", out.toString());
        assertNotEquals(0, r.exit());
        assertTrue(r.err().contains("--output " + out.toUri().toString().replaceAll("/$", "").replace("file:///", "file:/")
                + " already exists; pass --overwrite"), r.err());
        Cli.Run s = Cli.run("score", "--model", export, "--input", sample.resolve("val").toString(), "--output",
                out.toString(), "--master", "local[2]");
        assertNotEquals(0, s.exit());
        assertTrue(s.err().contains("already exists; pass --overwrite"), s.err());
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(List.of(out.resolve("mine.txt")), files.toList());
        }
        assertNoStaging();
    }

    private void assertConfusionEqualsEvaluate(Map<String, String> top1, String command) throws Exception {
        long[][] expected = confusion(Files.readAllLines(dir.resolve("evaluation/confusion.csv")));
        long[][] actual = new long[classIds.size()][classIds.size()];
        top1.forEach((image, id) -> actual[classIds.indexOf(truth.get(image))][classIds.indexOf(id)]++);
        for (int c = 0; c < actual.length; c++) {
            assertArrayEquals(expected[c], actual[c], command + "'s top-1 against evaluate's, images of class "
                    + classIds.get(c) + " (row of the confusion matrix)");
        }
    }

    private static long[][] confusion(List<String> csv) {
        long[][] m = new long[csv.size() - 1][];
        for (int r = 1; r < csv.size(); r++) {
            String[] f = csv.get(r).split(",");
            m[r - 1] = Stream.of(f).skip(1).mapToLong(Long::parseLong).toArray();
        }
        return m;
    }

    /** File name to top-1 id of every row of a score output. */
    private static Map<String, String> readParquet(Path out) throws Exception {
        Map<String, String> top1 = new HashMap<>();
        List<Path> parts;
        try (Stream<Path> files = Files.list(out.resolve("parquet"))) {
            parts = files.filter(f -> f.toString().endsWith(".parquet")).sorted().toList();
        }
        for (Path part : parts) {
            try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(),
                    new org.apache.hadoop.fs.Path(part.toUri())).build()) {
                for (Group row = reader.read(); row != null; row = reader.read()) {
                    String name = new org.apache.hadoop.fs.Path(row.getString("path", 0)).getName();
                    Group ids = row.getGroup("ids", 0);
                    assertEquals(5, ids.getFieldRepetitionCount("list"), "top-5 ids per row");
                    top1.put(name, ids.getGroup("list", 0).getString("element", 0));
                }
            }
        }
        return top1;
    }

    private void assertNoStaging() throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            List<String> hidden = files.map(f -> f.getFileName().toString()).filter(n -> n.startsWith(".")).toList();
            assertEquals(List.of(), hidden, "staging folders left in " + dir);
        }
    }
}
