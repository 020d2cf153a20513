package org.micronet.bench;

import jdk.jfr.FlightRecorder;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;
import org.micronet.cli.JitWarmUp;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where a warm training step's Java heap allocations go. Runs the recipe's step ({@link RecipeStep})
 * past JIT warm-up, then times {@code steps} more while counting the bytes the thread allocates and
 * the garbage collections, and attributes JFR's allocation samples of those steps to the code that
 * asked for them. The JVM must run a flight recording with {@code jdk.ObjectAllocationSample}
 * enabled from its start ({@code benchmarks/heap/run.sh}): one started later, after the Vector API
 * kernels were compiled, had them run their allocating Java fallback while it recorded.
 * Usage: model size batch steps results.md (a section is appended).
 */
public final class StepHeapProfile {
    /** Helpers whose callers are the ones that want the array. */
    private static final Set<String> PASS_THROUGH = Set.of("org.micronet.layers.WorkspaceArrays",
            "org.micronet.layers.KernelBridge", "org.deeplearning4j.nn.workspace.LayerWorkspaceMgr");
    /** Nd4j's methods that make arrays (its others run ops or say nothing). */
    private static final Set<String> ARRAY_FACTORIES = Set.of("create", "createUninitialized", "createBuffer",
            "createUninitializedDetached", "zeros", "ones", "scalar", "valueArrayOf", "empty");
    private static final int TOP_SITES = 15;
    private static final String OURS = "our layers and updater (org.micronet)";
    private static final String DL4J = "DL4J's graph, layers and updater (org.deeplearning4j)";

    private StepHeapProfile() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 5) {
            throw new IllegalArgumentException("usage: StepHeapProfile model size batch steps results.md");
        }
        String model = args[0];
        int size = Integer.parseInt(args[1]), batch = Integer.parseInt(args[2]), steps = Integer.parseInt(args[3]);
        List<Recording> recordings = FlightRecorder.getFlightRecorder().getRecordings();
        if (recordings.isEmpty()) {
            throw new IllegalStateException("no flight recording: start the JVM with -XX:StartFlightRecording"
                    + " (benchmarks/heap/run.sh)");
        }
        RecipeStep step = RecipeStep.of(model, size, batch);
        JitWarmUp.Result warm = JitWarmUp.run(20, step);

        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long[] gcBefore = Timing.gc();
        Instant from = Instant.now();
        long bytesBefore = threads.getCurrentThreadAllocatedBytes();
        long t0 = System.nanoTime();
        for (int i = 0; i < steps; i++) {
            step.run();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        long bytes = threads.getCurrentThreadAllocatedBytes() - bytesBefore;
        Instant to = Instant.now();
        long[] gcAfter = Timing.gc();

        Path dump = Files.createTempFile("step-heap-", ".jfr");
        try {
            recordings.get(0).dump(dump);
            Attribution a = attribute(dump, from, to, Thread.currentThread().getId());
            String section = String.format("%n## %s, %dx%d, batch %d%n%n", model, size, size, batch)
                    + String.format("- warm-up: %s; then %d timed steps in %.1f s (%.1f ms a step)%n",
                    warm.describe(), steps, seconds, seconds * 1e3 / steps)
                    + String.format("- Java heap allocated by the training thread: %,.0f bytes a step (thread counter)%n",
                    bytes / (double) steps)
                    + String.format("- garbage collections during the timed steps: %d, %d ms in all (%.2f%% of the time)%n",
                    gcAfter[0] - gcBefore[0], gcAfter[1] - gcBefore[1], (gcAfter[1] - gcBefore[1]) / 10.0 / seconds)
                    + String.format("- JFR allocation samples of those steps: %,d, weighing %,.0f bytes a step%n%n",
                    a.samples, a.total / steps)
                    + a.table(steps);
            Files.writeString(Path.of(args[4]), section, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            System.out.print(section);
        } finally {
            Files.deleteIfExists(dump);
        }
    }

    /** What a sampled allocation was for: the array objects ND4J makes per array, its op objects, or anything else. */
    enum Kind {
        ARRAY("ND4J array objects (buffer, shape, deallocator registration)"),
        OP("ND4J op objects (op context, shape and TAD wrappers)"),
        OTHER("other objects (gradient maps, lists, iterators, lambdas)");

        final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    /** Sampled bytes by requester (the first frame of ours or DL4J's) and kind. */
    private static final class Attribution {
        final Map<String, double[]> bySite = new LinkedHashMap<>();
        final Map<String, double[]> byOwner = new LinkedHashMap<>();
        double total;
        long samples;

        void add(String site, String owner, Kind kind, long weight) {
            bySite.computeIfAbsent(site, k -> new double[Kind.values().length])[kind.ordinal()] += weight;
            byOwner.computeIfAbsent(owner, k -> new double[Kind.values().length])[kind.ordinal()] += weight;
            total += weight;
            samples++;
        }

        String table(int steps) {
            StringBuilder out = new StringBuilder("| asked for by | " + String.join(" | ",
                    Arrays.stream(Kind.values()).map(k -> k.label + ", KB a step").toList()) + " | share |\n");
            out.append("|---|").append("---:|".repeat(Kind.values().length)).append("---:|\n");
            rows(out, byOwner, steps, byOwner.size());
            out.append("\nThe ").append(TOP_SITES).append(" methods that asked for most (the first frame of ours or DL4J's; ")
                    .append("array helpers are passed through to their callers):\n\n")
                    .append(out.substring(0, out.indexOf("\n") + 1).replace("asked for by", "method"))
                    .append("|---|").append("---:|".repeat(Kind.values().length)).append("---:|\n");
            rows(out, bySite, steps, TOP_SITES);
            return out.toString();
        }

        private void rows(StringBuilder out, Map<String, double[]> rows, int steps, int limit) {
            List<Map.Entry<String, double[]>> sorted = new ArrayList<>(rows.entrySet());
            sorted.sort(Comparator.comparingDouble((Map.Entry<String, double[]> e) -> -sum(e.getValue())));
            for (Map.Entry<String, double[]> e : sorted.subList(0, Math.min(limit, sorted.size()))) {
                out.append("| ").append(e.getKey());
                for (double v : e.getValue()) {
                    out.append(String.format(" | %.1f", v / 1e3 / steps));
                }
                out.append(String.format(" | %.0f%% |%n", 100 * sum(e.getValue()) / total));
            }
        }

        private static double sum(double[] v) {
            double s = 0;
            for (double x : v) {
                s += x;
            }
            return s;
        }
    }

    private static Attribution attribute(Path recording, Instant from, Instant to, long threadId) throws IOException {
        Attribution a = new Attribution();
        for (RecordedEvent e : RecordingFile.readAllEvents(recording)) {
            if (!e.getEventType().getName().equals("jdk.ObjectAllocationSample") || e.getStartTime().isBefore(from)
                    || e.getStartTime().isAfter(to) || e.getThread() == null
                    || e.getThread().getJavaThreadId() != threadId || e.getStackTrace() == null) {
                continue;
            }
            Kind kind = Kind.OTHER;
            String site = "(JDK only)";
            String owner = site;
            for (RecordedFrame f : e.getStackTrace().getFrames()) {
                String type = f.getMethod().getType().getName();
                if ((type.startsWith("org.micronet.") || type.startsWith("org.deeplearning4j.")) && !PASS_THROUGH.contains(type)) {
                    site = type.substring(type.lastIndexOf('.') + 1) + "." + f.getMethod().getName();
                    owner = type.startsWith("org.micronet.") ? OURS : DL4J;
                    break;
                }
                Kind k = kindOf(type, f.getMethod().getName());
                if (k != Kind.OTHER) {
                    kind = k;  // the ND4J call nearest the requester says what it was for
                }
            }
            a.add(site, owner, kind, e.getLong("weight"));
        }
        return a;
    }

    /** The kind an ND4J frame stands for; OTHER for frames that say nothing (ours, the JDK's, INDArray's methods). */
    private static Kind kindOf(String type, String method) {
        boolean factory = type.equals("org.nd4j.linalg.factory.Nd4j");
        if (type.startsWith("org.nd4j.linalg.cpu.nativecpu.buffer.") || type.startsWith("org.nd4j.linalg.api.buffer.")
                || type.startsWith("org.nd4j.linalg.api.memory.") || type.startsWith("org.nd4j.linalg.api.shape.")
                || type.endsWith("NDArrayFactory") || (type.endsWith("NDArray") && method.equals("<init>"))
                || (factory && ARRAY_FACTORIES.contains(method))) {
            return Kind.ARRAY;
        }
        if (type.startsWith("org.nd4j.linalg.api.ops.") || type.startsWith("org.nd4j.autodiff.")
                || type.endsWith("NativeOpExecutioner") || (factory && (method.startsWith("exec") || method.equals("gemm")))) {
            return Kind.OP;
        }
        return Kind.OTHER;
    }
}
