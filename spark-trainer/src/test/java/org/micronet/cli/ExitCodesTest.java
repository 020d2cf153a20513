package org.micronet.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One exit-code convention for every command (2 usage or config, 3 input, 4 a failed run), as a
 * scheduler sees it through {@code bin/micronet}; the stall guard's 4 is in StandaloneClusterTest.
 */
class ExitCodesTest {

    private static String quickstart() {
        return Cli.repo().resolve("configs/runs/quickstart.yaml").toString();
    }

    private static String sample() {
        return Cli.repo().resolve("data/sample/fashion-mnist-ilsvrc").toString();
    }

    @Test
    void usageAndConfigErrorsExitWith2() {
        Cli.Run option = Cli.run("train", "--no-such-option");
        assertEquals(2, option.exit(), option.err());
        Cli.Run key = Cli.run("train", "--config", quickstart(), "--set", "epochz=3");
        assertEquals(2, key.exit(), key.err());
        assertTrue(key.err().contains("epochz"), key.err());
    }

    @Test
    void missingInputExitsWith3(@TempDir Path tmp) {
        Cli.Run train = Cli.run("train", "--config", quickstart(), "--set", "data.train=" + tmp.resolve("no-images"),
                "--set", "output=" + tmp.resolve("run"), "--set", "export=" + tmp.resolve("export"));
        assertEquals(3, train.exit(), train.err());
        assertTrue(train.err().contains("data.train: " + tmp.resolve("no-images") + " does not exist"), train.err());
        Cli.Run ingest = Cli.run("ingest", "--input", tmp.resolve("no-images").toString(), "--output",
                tmp.resolve("shards").toString(), "--master", "local[1]");
        assertEquals(3, ingest.exit(), ingest.err());
    }

    /**
     * Non-finite states reach the average and the driver stops the run, with the workers sharing
     * memory and over their own connections (as between JVMs; spark-submit's {@code --conf} arrives
     * as this system property).
     */
    @Test
    void aRunThatDivergesExitsWith4(@TempDir Path tmp) {
        for (String exchange : new String[]{"memory", "peers"}) {
            System.setProperty("spark.micronet.exchange", exchange);
            try {
                Cli.Run train = Cli.run("train", "--config", quickstart(), "--master", "local[2]", "--set",
                        "data.train=" + sample(), "--set", "learningRate=1.0e12", "--set", "warmupEpochs=0",
                        "--set", "epochs=1", "--set", "output=" + tmp.resolve("run-" + exchange),
                        "--set", "export=" + tmp.resolve("export-" + exchange));
                assertEquals(4, train.exit(), exchange + ": " + train.err());
                assertTrue(train.err().contains("the loss became"), exchange + ": " + train.err());
            } finally {
                System.clearProperty("spark.micronet.exchange");
            }
        }
    }

    /** Also that picocli could format every description: it warns on System.err and prints the raw text. */
    @Test
    void everyCommandsHelpListsTheExitCodes() {
        PrintStream stderr = System.err;
        ByteArrayOutputStream warnings = new ByteArrayOutputStream();
        System.setErr(new PrintStream(warnings, true, StandardCharsets.UTF_8));
        try {
            for (String command : new String[]{"train", "ingest", "sweep", "summary", "report", "benchmark", "predict",
                    "evaluate", "score", "export"}) {
                Cli.Run help = Cli.run(command, "--help");
                assertEquals(0, help.exit());
                assertTrue(help.out().contains("Exit codes:") && help.out().contains("4   the run failed while running"),
                        command + ":\n" + help.out());
                String warned = warnings.toString(StandardCharsets.UTF_8);
                assertFalse(warned.contains("picocli WARN"), command + " --help: " + warned);
            }
        } finally {
            System.setErr(stderr);
        }
    }
}
