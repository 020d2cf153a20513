package org.micronet.cli;

import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.micronet.config.ConfigException;
import org.micronet.config.StrictYaml;
import org.micronet.ingest.DataException;
import org.micronet.ingest.cli.ExitCode;
import org.micronet.ingest.loader.Preprocessing;
import org.micronet.models.ModelConfig;
import org.micronet.models.Models;
import org.micronet.onnx.OnnxRuntimeCheck;
import org.micronet.trainer.Exporter;
import org.micronet.trainer.ModelCard;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code micronet export --format onnx} from an export folder as training writes it, and its errors. */
class OnnxExportCommandTest {
    private static final int SIZE = 32;
    private static final List<String> CLASSES = List.of("n90000001", "n90000002", "n90000003", "n90000004",
            "n90000005", "n90000006", "n90000007", "n90000008", "n90000009", "n90000010");

    @TempDir
    static Path dir;
    static Path export;
    static ComputationGraph last;
    static ComputationGraph best;
    static String cardText;

    /** An export folder with a final and a (different) best model of M0 at 32x32, and its card. */
    @BeforeAll
    static void writeExport() throws Exception {
        ModelConfig cfg = Models.bundled("m0").withTask(SIZE, CLASSES.size());
        last = Models.create(cfg, Models.defaults(1));
        best = Models.create(cfg, Models.defaults(2));
        OnnxRuntimeCheck.randomise(last, 1);
        OnnxRuntimeCheck.randomise(best, 2);
        export = dir.resolve("export");
        Files.createDirectories(export);
        ModelSerializer.writeModel(last, export.resolve(Exporter.MODEL).toFile(), false);
        ModelSerializer.writeModel(best, export.resolve(Exporter.BEST).toFile(), false);
        ModelCard card = new ModelCard(cfg.name(), StrictYaml.toTree(cfg), SIZE, CLASSES, 1, 2, 3, 0.5, 0.9, 0.6, 1,
                "train", 10, "val", 5, 2, 1.0, "run", "test", "now",
                IntStream.range(0, CLASSES.size()).mapToObj(i -> "n" + i).toList(),
                Preprocessing.evaluation(SIZE, 36, false, 90));
        cardText = new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .writerWithDefaultPrettyPrinter().writeValueAsString(card);
        Files.writeString(export.resolve(Exporter.CARD), cardText);
    }

    @Test
    void writesAnOnnxModelThatOnnxRuntimeRunsWithTheCardInItsMetadata() throws Exception {
        Path onnx = dir.resolve("out/m0.onnx");
        // what a killed export would have left
        Files.createDirectories(onnx.getParent());
        Files.writeString(onnx.resolveSibling(".m0.onnx.tmp-" + java.util.UUID.randomUUID()), "half");
        Cli.Run r = Cli.run("export", "--model", export.toString(), "--format", "onnx", "--output", onnx.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().strip().endsWith("onnx: file:" + onnx), r.out());
        assertEquals(List.of("m0.onnx"), list(onnx.getParent()), "nothing but the finished file");

        INDArray x = OnnxRuntimeCheck.images(SIZE, 3);
        try (OrtSession session = OnnxRuntimeCheck.session(Files.readAllBytes(onnx))) {
            Map<String, String> meta = session.getMetadata().getCustomMetadata();
            assertEquals(new ObjectMapper().writeValueAsString(CLASSES), meta.get(ExportCommand.METADATA_CLASSES));
            assertEquals(cardText, meta.get(ExportCommand.METADATA_CARD));
            assertEquals(Integer.toString(SIZE), meta.get(ExportCommand.METADATA_INPUT_SIZE));
            assertEquals(List.of(1L, 3L, (long) SIZE, (long) SIZE).subList(1, 4),
                    java.util.Arrays.stream(((ai.onnxruntime.TensorInfo) session.getInputInfo().get("input").getInfo())
                            .getShape()).boxed().toList().subList(1, 4));
            INDArray probabilities = OnnxRuntimeCheck.run(session, x, Set.of("output")).get("output");
            assertTrue(OnnxRuntimeCheck.maxAbsDiff(last.outputSingle(x), probabilities) <= 1e-4);
        }

        Path bestOnnx = dir.resolve("out/best.onnx");
        Cli.Run b = Cli.run("export", "--model", export.toString(), "--format", "onnx", "--output", bestOnnx.toString(),
                "--best");
        assertEquals(0, b.exit(), b.err());
        try (OrtSession session = OnnxRuntimeCheck.session(Files.readAllBytes(bestOnnx))) {
            INDArray probabilities = OnnxRuntimeCheck.run(session, x, Set.of("output")).get("output");
            assertTrue(OnnxRuntimeCheck.maxAbsDiff(best.outputSingle(x), probabilities) <= 1e-4, "--best converts best-model.zip");
            assertTrue(OnnxRuntimeCheck.maxAbsDiff(last.outputSingle(x), probabilities) > 1e-3, "and not model.zip");
        }
    }

    @Test
    void anExistingOutputIsKeptUnlessOverwriting() throws Exception {
        Path onnx = dir.resolve("existing/m0.onnx");
        Files.createDirectories(onnx.getParent());
        Files.writeString(onnx, "earlier");
        ConfigException e = assertThrows(ConfigException.class,
                () -> call("--model", export.toString(), "--format", "onnx", "--output", onnx.toString()));
        assertTrue(e.getMessage().contains(onnx.toString()) && e.getMessage().contains("--overwrite"), e.getMessage());
        assertEquals("earlier", Files.readString(onnx));
        assertEquals(ExitCode.USAGE, Cli.run("export", "--model", export.toString(), "--format", "onnx",
                "--output", onnx.toString()).exit());

        Cli.Run r = Cli.run("export", "--model", export.toString(), "--format", "onnx", "--output", onnx.toString(),
                "--overwrite");
        assertEquals(0, r.exit(), r.err());
        assertFalse(Files.readString(onnx, java.nio.charset.StandardCharsets.ISO_8859_1).equals("earlier"));
        assertEquals(List.of("m0.onnx"), list(onnx.getParent()));
    }

    @Test
    void badInputIsNamedAndNothingIsWritten() throws Exception {
        Path out = dir.resolve("failed/m0.onnx");
        String[] to = {"--format", "onnx", "--output", out.toString()};

        assertNamed(DataException.class, "does not exist", dir.resolve("no-such-export"), to);

        Path noModel = copyExport("no-model");
        Files.delete(noModel.resolve(Exporter.MODEL));
        assertNamed(DataException.class, "does not exist", noModel.resolve(Exporter.MODEL), to);

        Path corrupt = copyExport("corrupt");
        byte[] zip = Files.readAllBytes(corrupt.resolve(Exporter.MODEL));
        Files.write(corrupt.resolve(Exporter.MODEL), java.util.Arrays.copyOf(zip, zip.length / 2));
        assertNamed(DataException.class, "cannot be read (corrupt", corrupt.resolve(Exporter.MODEL), to);

        Path noCard = copyExport("no-card");
        Files.delete(noCard.resolve(Exporter.CARD));
        assertNamed(DataException.class, "has no " + Exporter.CARD, noCard, to);

        ConfigException format = assertThrows(ConfigException.class,
                () -> call("--model", export.toString(), "--format", "tflite", "--output", out.toString()));
        assertTrue(format.getMessage().contains("--format: 'tflite'"), format.getMessage());

        assertFalse(Files.exists(out.getParent()) && !list(out.getParent()).isEmpty(), "nothing written: " + out.getParent());

        // on the command line: the input error's exit code and the message, without a stack trace
        Cli.Run r = Cli.run("export", "--model", corrupt.toString(), "--format", "onnx", "--output", out.toString());
        assertEquals(ExitCode.DATA, r.exit());
        assertTrue(r.err().contains(corrupt.resolve(Exporter.MODEL).toString()), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void readsAndWritesHdfs() throws Exception {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, dir.resolve("dfs").toString());
        conf.setInt("dfs.replication", 1);
        MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        try {
            cluster.waitActive();
            FileSystem fs = cluster.getFileSystem();
            String hdfs = fs.getUri().toString();
            fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(export.toUri()), new org.apache.hadoop.fs.Path("/exports/m0"));
            Cli.Run r = Cli.run("export", "--model", hdfs + "/exports/m0", "--format", "onnx",
                    "--output", hdfs + "/onnx/m0.onnx");
            assertEquals(0, r.exit(), r.err());
            assertTrue(r.out().strip().endsWith("onnx: " + hdfs + "/onnx/m0.onnx"), r.out());
            assertEquals(1, fs.listStatus(new org.apache.hadoop.fs.Path("/onnx")).length, "nothing but the finished file");
            byte[] onnx;
            try (var in = fs.open(new org.apache.hadoop.fs.Path("/onnx/m0.onnx"))) {
                onnx = in.readAllBytes();
            }
            INDArray x = OnnxRuntimeCheck.images(SIZE, 2);
            try (OrtSession session = OnnxRuntimeCheck.session(onnx)) {
                assertEquals(cardText, session.getMetadata().getCustomMetadata().get(ExportCommand.METADATA_CARD));
                INDArray probabilities = OnnxRuntimeCheck.run(session, x, Set.of("output")).get("output");
                assertTrue(OnnxRuntimeCheck.maxAbsDiff(last.outputSingle(x), probabilities) <= 1e-4);
            }
        } finally {
            cluster.shutdown();
        }
    }

    @Test
    void helpNamesTheFormatAndTheMetadata() {
        Cli.Run r = Cli.run("export", "--help");
        assertEquals(0, r.exit());
        for (String s : List.of("--format", "onnx", "opset 13", "--best", "--overwrite", "model_card", "classes")) {
            assertTrue(r.out().contains(s), s + " in\n" + r.out());
        }
    }

    private static void assertNamed(Class<? extends Exception> type, String what, Path named, String... to) {
        Path folder = named.getFileName().toString().endsWith(".zip") || named.getFileName().toString().endsWith(".json")
                ? named.getParent() : named;
        String[] args = new String[to.length + 2];
        args[0] = "--model";
        args[1] = folder.toString();
        System.arraycopy(to, 0, args, 2, to.length);
        Exception e = assertThrows(type, () -> call(args));
        assertTrue(e.getMessage().contains(named.toString()) && e.getMessage().contains(what), e.getMessage());
    }

    private static Path copyExport(String name) throws Exception {
        Path copy = dir.resolve(name);
        Files.createDirectories(copy);
        for (String f : List.of(Exporter.MODEL, Exporter.BEST, Exporter.CARD)) {
            Files.copy(export.resolve(f), copy.resolve(f));
        }
        return copy;
    }

    private static Object call(String... args) throws Exception {
        CommandLine cli = new CommandLine(new ExportCommand());
        cli.parseArgs(args);
        return ((ExportCommand) cli.getCommand()).call();
    }

    /** The folder's entries but the checksums Hadoop's local filesystem keeps beside each file ({@code .name.crc}). */
    private static List<String> list(Path folder) throws Exception {
        try (var s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !(n.startsWith(".") && n.endsWith(".crc")))
                    .sorted().toList();
        }
    }
}
