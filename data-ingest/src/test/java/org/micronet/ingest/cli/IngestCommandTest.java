package org.micronet.ingest.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.micronet.ingest.TestData;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command as bin/micronet runs it: help, option errors, and one real ingest of the bundled sample. */
class IngestCommandTest {

    @Test
    void helpListsTheOptions() {
        StringWriter out = new StringWriter();
        CommandLine cmd = new CommandLine(new IngestCommand());
        cmd.setOut(new PrintWriter(out));
        assertEquals(0, cmd.execute("--help"));
        for (String option : new String[]{"--input", "--output", "--layout", "--short-side", "--shard-size",
                "--max-reject-fraction", "--overwrite", "--master", "--partitions", "default: 256"}) {
            assertTrue(out.toString().contains(option), option + " missing from\n" + out);
        }
    }

    @Test
    void invalidValuesAreRefusedByName(@TempDir Path tmp) {
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new IngestCommand());
        cmd.setErr(new PrintWriter(err));
        assertEquals(2, cmd.execute("--input", "x", "--output", tmp.resolve("o").toString(), "--layout", "zip"));
        assertTrue(err.toString().contains("unknown layout 'zip'"), err.toString());
    }

    @Test
    void ingestsTheBundledSample(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("out");
        int code = new CommandLine(new IngestCommand()).execute("--input", TestData.sample().toString(),
                "--output", out.toString(), "--master", "local[2]", "--shard-size", "200", "--short-side", "32");
        assertEquals(0, code);
        assertTrue(Files.readString(out.resolve("manifest.json")).contains("\"images\" : 400"));
        assertEquals(11, Files.readAllLines(out.resolve("classes.tsv")).size());
    }
}
