package org.micronet.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The facts about the machine a results file records. */
final class Machine {
    private Machine() {
    }

    static String describe() {
        return Runtime.getRuntime().availableProcessors() + " CPUs (nproc), " + cpuModel() + ", Java "
                + System.getProperty("java.version") + ", " + System.getProperty("os.name") + " "
                + System.getProperty("os.arch") + ", load average " + loadAverage() + " at the start";
    }

    /** Other work on the machine slows every column: the results say how busy it was. */
    private static String loadAverage() {
        double load = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        return load < 0 ? "unknown" : String.format("%.2f", load);
    }

    /** This process's threads (ours, DL4J built-in, ONNX Runtime); PyTorch's are its own process's. */
    static String threads(boolean onnxRuntime) {
        return "OMP_NUM_THREADS=" + System.getenv().getOrDefault("OMP_NUM_THREADS", "unset")
                + ", OMP_WAIT_POLICY=" + System.getenv().getOrDefault("OMP_WAIT_POLICY", "unset")
                + ", micronet.kernels.threads=" + System.getProperty("micronet.kernels.threads", "unset")
                + " (kernel threads: " + org.micronet.kernels.Parallel.threads() + ")"
                + (onnxRuntime ? ", ONNX Runtime intra-op threads=" + (OrtRunner.threads() == 0 ? "ORT default"
                : OrtRunner.threads()) : "");
    }

    /** The threads this process computes on: OMP_NUM_THREADS (ND4J's pool), else one per CPU. */
    static int computeThreads() {
        String omp = System.getenv("OMP_NUM_THREADS");
        return omp == null ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(omp.trim());
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown CPU");
        } catch (IOException e) {
            return "unknown CPU";
        }
    }
}
