package org.micronet.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SummaryCommandTest {

    @Test
    void summaryEndsWithTheTotals() {
        Cli.Run r = Cli.run("summary", "--model", Cli.repo().resolve("configs/models/m0.yaml").toString());
        assertEquals(0, r.exit(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(List.of("params: 1019590", "madds: 3448880", "madds_with_fusion: 4054128"),
                lines.subList(lines.size() - 3, lines.size()));
        assertTrue(r.out().contains("features.1.layers.5"), "per-layer table");
    }

    @Test
    void bundledNamesAndOtherInputSizesWork() {
        Cli.Run r = Cli.run("summary", "--model", "m3", "--input-size", "32", "--classes", "10");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("model: micronet-m3 (micronet), input 32x32x3, 10 classes"), r.out());
    }

    @Test
    void aMissingConfigIsAClearErrorNotAStackTrace(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Cli.Run missing = Cli.run("summary", "--model", dir.resolve("nope.yaml").toString());
        assertEquals(2, missing.exit());
        assertTrue(missing.err().contains("nope.yaml: no such model config file"), missing.err());
        assertTrue(!missing.err().contains("\tat "), "no stack trace for a user error: " + missing.err());

        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, Files.readString(Cli.repo().resolve("configs/models/m0.yaml")).replace("head:", "heed:"));
        Cli.Run unknown = Cli.run("summary", "--model", bad.toString());
        assertEquals(2, unknown.exit());
        assertTrue(unknown.err().contains("bad.yaml") && unknown.err().contains("unknown key 'heed'"), unknown.err());
    }

    @Test
    void benchmarkEndsWithItsMedianForEitherImplementation() {
        for (String ops : List.of("micronet", "dl4j")) {
            // two threads, as the rest of this JVM's tests use
            Cli.Run r = Cli.run("benchmark", "--model", "m0", "--mode", "latency", "--size", "32", "--iterations", "1", "--warmup", "2",
                    "--threads", "2", "--ops", ops);
            assertEquals(0, r.exit(), r.err());
            assertTrue(r.out().startsWith("model: micronet-m0 (ops " + ops + "), mode latency, input 32x32"), r.out());
            // M0's 23 batch norms without an activation (3 keep theirs as a layer), 23 of its 24 shuffles (all
            // but the one before a ReLU6), 7 depthwise pairs into one layer each and the ReLU6 after one of
            // them; with ops dl4j only the 16 shuffles before our group-adaptive pointwise convs (DL4J has no
            // grouped 1x1 conv)
            String folded = ops.equals("micronet") ? "54" : "16";
            assertTrue(r.out().contains("\nfolded for inference: " + folded + " layers"), r.out());
            List<String> lines = r.out().lines().toList();
            assertTrue(lines.get(lines.size() - 1).matches("latency_ms: \\d+\\.\\d{3}"), r.out());
        }
    }

    /** The Spark benchmark's single-JVM baseline trains the 10-class head its Spark runs train. */
    @Test
    void benchmarkTrainsTheHeadOfTheClassesAsked() {
        Cli.Run r = Cli.run("benchmark", "--model", "m0", "--mode", "train", "--size", "32", "--classes", "10", "--batch", "2",
                "--iterations", "1", "--warmup", "1", "--threads", "2");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("model: micronet-m0 (ops micronet), mode train, input 32x32, 10 classes, 383,020 parameters"),
                r.out());
    }

    /**
     * Train mode gives, before its median, the images over the timed steps' seconds: the figure an
     * epoch's images/s is compared with, since it counts every slow step as an epoch does.
     */
    @Test
    void benchmarkTrainGivesTheMeanOfItsStepsBeforeTheMedian() {
        Cli.Run r = Cli.run("benchmark", "--model", "m0", "--mode", "train", "--size", "32", "--classes", "10", "--batch", "2",
                "--iterations", "5", "--warmup", "1", "--threads", "1");
        assertEquals(0, r.exit(), r.err());
        List<String> lines = r.out().lines().toList();
        double ms = 0;
        for (String line : lines) {
            if (line.startsWith("iteration ")) {
                ms += Double.parseDouble(line.replaceAll(".*: ([\\d.]+) ms$", "$1"));
            }
        }
        String mean = lines.get(lines.size() - 2);
        assertTrue(mean.startsWith("images_per_sec_mean: "), r.out());
        assertTrue(lines.get(lines.size() - 1).startsWith("images_per_sec: "), r.out());
        assertEquals(2 * 5 / (ms / 1e3), Double.parseDouble(mean.substring("images_per_sec_mean: ".length())),
                0.01 * 2 * 5 / (ms / 1e3), r.out());
    }

    @Test
    void helpListsTheSubcommands() {
        Cli.Run r = Cli.run("--help");
        assertEquals(0, r.exit());
        assertTrue(r.out().contains("summary"), r.out());
    }
}
