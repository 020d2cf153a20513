package org.micronet.cli;

import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** {@code bin/micronet} in this JVM: the same command line, its exit code and what it printed. */
final class Cli {
    private Cli() {
    }

    record Run(int exit, String out, String err) {
    }

    static Path repo() {
        return Path.of(System.getProperty("micronet.repo", "..")).toAbsolutePath().normalize();
    }

    static Run run(String... args) {
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
}
