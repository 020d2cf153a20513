package org.micronet.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs {@link TorchBenchmark} in a JVM of its own and reads what it measured. The child gets this
 * JVM's options (heap, --add-opens, --add-modules, ai.djl.offline) and classpath but none of its
 * thread settings: {@code OMP_NUM_THREADS}, {@code OMP_WAIT_POLICY}, {@code MKL_NUM_THREADS} are
 * removed from its environment and the {@code ai.djl.pytorch.*}, {@code micronet.kernels.*} and
 * {@code bench.*} properties dropped, so training runs on libtorch's default intra-op thread count
 * and wait policy; latency asks for one thread ({@code OMP_NUM_THREADS=1},
 * {@code -Dai.djl.pytorch.num_threads=1}). This process waits, idle, while the child runs.
 */
final class TorchProcess {
    /**
     * libtorch's warning on CPUs NNPACK does not support, printed at every batch-1 convolution: kept out
     * of the log and counted (the child still writes each one, as libtorch alone would).
     */
    static final String NNPACK_WARNING = "Could not initialize NNPACK! Reason: Unsupported hardware.";

    /**
     * What the child measured: whole-model median seconds, per-vertex forward seconds, its libtorch
     * pools, and how many NNPACK warnings it printed.
     */
    record Result(double seconds, String warmup, Map<String, Double> layers, int intraOpThreads, int interOpThreads,
                  int nnpackWarnings) {
    }

    private final boolean train;

    TorchProcess(boolean train) {
        this.train = train;
    }

    /** The child's environment and JVM options as the results file records them (the classpath is this JVM's). */
    String describe() {
        List<String> shown = new ArrayList<>();
        int opens = 0;
        for (String option : jvmOptions()) {
            if (option.startsWith("--add-opens")) {
                opens++;
            } else {
                shown.add(option);
            }
        }
        return (train ? "OMP_NUM_THREADS, OMP_WAIT_POLICY, MKL_NUM_THREADS unset" : "OMP_NUM_THREADS=1, OMP_WAIT_POLICY and"
                + " MKL_NUM_THREADS unset") + ", java " + String.join(" ", shown)
                + (opens > 0 ? " (and this JVM's " + opens + " --add-opens)" : "") + " " + TorchBenchmark.class.getName();
    }

    Result run(String model, int size, int batch, int warmup, int runs, int layerRuns, String fingerprint)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile("micronet-torch-bench-", ".tsv");
        try {
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(jvmOptions());
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), TorchBenchmark.class.getName(),
                    train ? "train" : "latency", out.toString(), model, Integer.toString(size), Integer.toString(batch),
                    Integer.toString(warmup), Integer.toString(runs), Integer.toString(layerRuns), fingerprint));
            ProcessBuilder builder = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.INHERIT)
                    .redirectOutput(ProcessBuilder.Redirect.INHERIT);
            Map<String, String> env = builder.environment();
            env.remove("OMP_NUM_THREADS");
            env.remove("OMP_WAIT_POLICY");
            env.remove("MKL_NUM_THREADS");
            if (!train) {
                env.put("OMP_NUM_THREADS", "1");
            }
            Process process = builder.start();
            int nnpack = 0;
            try (BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = err.readLine()) != null; ) {
                    if (line.contains(NNPACK_WARNING)) {
                        nnpack++;
                    } else {
                        System.err.println(line);
                    }
                }
            }
            int exit = process.waitFor();
            if (exit != 0) {
                throw new IllegalStateException("the PyTorch benchmark process for " + model + " failed (exit " + exit + ")");
            }
            double seconds = Double.NaN;
            String warmedUp = "?";
            int intra = -1, inter = -1;
            Map<String, Double> layers = new LinkedHashMap<>();
            for (String line : Files.readAllLines(out)) {
                String[] f = line.split("\t");
                switch (f[0]) {
                    case "seconds" -> seconds = Double.parseDouble(f[1]);
                    case "warmup" -> warmedUp = f[1];
                    case "intra_op_threads" -> intra = Integer.parseInt(f[1]);
                    case "inter_op_threads" -> inter = Integer.parseInt(f[1]);
                    case "layer" -> layers.put(f[1], Double.parseDouble(f[2]));
                    default -> throw new IllegalStateException("unexpected line from the PyTorch process: " + line);
                }
            }
            return new Result(seconds, warmedUp, layers, intra, inter, nnpack);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private List<String> jvmOptions() {
        List<String> options = new ArrayList<>();
        for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!option.startsWith("-Dai.djl.pytorch.") && !option.startsWith("-Dmicronet.kernels.")
                    && !option.startsWith("-Dbench.")) {
                options.add(option);
            }
        }
        if (!train) {
            options.add("-Dai.djl.pytorch.num_threads=1");
        }
        return options;
    }
}
