package org.micronet.sweep;

import org.micronet.trainer.RunConfig;
import org.micronet.trainer.RunStore;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Runs each run as its own Spark application: {@code <launcher> train --resume <run> --overwrite
 * [--master <url>]} in a child process, whose output is passed through. The launcher defaults to this JVM again
 * (same java, JVM options and classpath, main class {@code org.micronet.cli.MicronetCli}); give
 * another such as {@code spark-submit --master yarn --class org.micronet.cli.MicronetCli app.jar}.
 */
public final class ChildProcessLauncher implements RunLauncher {
    private static final int TAIL = 15;
    private final List<String> launcher;
    private final String master;

    /**
     * @param launcher the command up to the subcommand; empty means this JVM
     * @param master   passed on as train's --master, or null
     */
    public ChildProcessLauncher(List<String> launcher, String master) {
        this.launcher = launcher.isEmpty() ? thisJvm() : List.copyOf(launcher);
        this.master = master;
    }

    List<String> command(RunStore folder) {
        List<String> cmd = new ArrayList<>(launcher);
        cmd.addAll(List.of("train", "--resume", folder.uri(), "--overwrite"));
        if (master != null) {
            cmd.addAll(List.of("--master", master));
        }
        return cmd;
    }

    @Override
    public void train(RunConfig cfg, RunStore folder) throws IOException, InterruptedException {
        List<String> cmd = command(folder);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        Deque<String> tail = new ArrayDeque<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                System.out.println(line);
                tail.addLast(line);
                if (tail.size() > TAIL) {
                    tail.removeFirst();
                }
            }
        }
        int rc = p.waitFor();
        if (rc != 0) {
            throw new IOException(String.join(" ", cmd) + " exited with " + rc + "; its last lines:\n"
                    + String.join("\n", tail));
        }
    }

    private static List<String> thisJvm() {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "org.micronet.cli.MicronetCli"));
        return cmd;
    }
}
