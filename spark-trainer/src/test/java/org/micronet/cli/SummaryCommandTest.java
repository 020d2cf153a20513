package org.micronet.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SummaryCommandTest {

    private static Path repo() {
        return Path.of(System.getProperty("micronet.repo", ".."));
    }

    private record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) {
        PrintStream stdout = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            CommandLine cli = MicronetCli.commandLine();
            cli.setErr(new PrintWriter(err, true));
            int exit = cli.execute(args);
            return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(stdout);
        }
    }

    @Test
    void summaryEndsWithTheTotals() {
        Run r = run("summary", "--model", repo().resolve("configs/models/m0.yaml").toString());
        assertEquals(0, r.exit(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(List.of("params: 1019590", "madds: 3448880", "madds_with_fusion: 4054128"),
                lines.subList(lines.size() - 3, lines.size()));
        assertTrue(r.out().contains("features.1.layers.5"), "per-layer table");
    }

    @Test
    void bundledNamesAndOtherInputSizesWork() {
        Run r = run("summary", "--model", "m3", "--input-size", "32", "--classes", "10");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("model: micronet-m3 (micronet), input 32x32x3, 10 classes"), r.out());
    }

    @Test
    void aMissingConfigIsAClearErrorNotAStackTrace(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Run missing = run("summary", "--model", dir.resolve("nope.yaml").toString());
        assertEquals(2, missing.exit());
        assertTrue(missing.err().contains("nope.yaml: no such model config file"), missing.err());
        assertTrue(!missing.err().contains("\tat "), "no stack trace for a user error: " + missing.err());

        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, Files.readString(repo().resolve("configs/models/m0.yaml")).replace("head:", "heed:"));
        Run unknown = run("summary", "--model", bad.toString());
        assertEquals(2, unknown.exit());
        assertTrue(unknown.err().contains("bad.yaml") && unknown.err().contains("unknown key 'heed'"), unknown.err());
    }

    @Test
    void benchmarkEndsWithItsMedianForEitherImplementation() {
        for (String ops : List.of("micronet", "dl4j")) {
            // two threads, as the rest of this JVM's tests use
            Run r = run("benchmark", "--model", "m0", "--mode", "latency", "--size", "32", "--iterations", "1",
                    "--threads", "2", "--ops", ops);
            assertEquals(0, r.exit(), r.err());
            assertTrue(r.out().startsWith("model: micronet-m0 (ops " + ops + "), mode latency, input 32x32"), r.out());
            List<String> lines = r.out().lines().toList();
            assertTrue(lines.get(lines.size() - 1).matches("latency_ms: \\d+\\.\\d{3}"), r.out());
        }
    }

    @Test
    void helpListsTheSubcommands() {
        Run r = run("--help");
        assertEquals(0, r.exit());
        assertTrue(r.out().contains("summary"), r.out());
    }
}
