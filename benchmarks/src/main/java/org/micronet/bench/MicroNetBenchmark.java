package org.micronet.bench;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.micronet.complexity.LayerCost;
import org.micronet.models.InferenceFolding;
import org.micronet.models.ModelConfig;
import org.micronet.models.Models;
import org.micronet.models.Ops;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Our DL4J MicroNet against the same network on DL4J's built-in layers ({@code ops: dl4j}),
 * against the same weights in PyTorch (libtorch through DJL, in a JVM of its own:
 * {@link TorchProcess}) and, for latency, against its ONNX export in ONNX Runtime (in this JVM)
 * and folded ({@link InferenceFolding}: batch norms and channel shuffles into the convs next to
 * them, each depthwise pair into one layer, as predict and score run it):
 * batch-1 latency ({@code latency}) or training images/s ({@code train}), with the per-layer
 * breakdown, each layer's achieved FLOP/s or bytes/s against this machine's peak measured in the
 * same run, and the memory allocated (Java heap, and ND4J buffers outside workspaces) and the
 * collections run during our timed steps.
 * This process's thread count is OMP_NUM_THREADS (see run.sh); the PyTorch process's is
 * libtorch's default for training and one for latency.
 *
 * <p>Usage: {@code MicroNetBenchmark <latency|train> <out.md> <models,comma,separated> <size> <batch> <runs>},
 * or {@code MicroNetBenchmark summary <out.md> <rows.tsv>} for the side-by-side table of the rows
 * that runs given {@code -Dbench.summary=<rows.tsv>} appended.
 * Warm-up and timed calls: {@code -Dbench.latency.warmup} (2000), {@code -Dbench.latency.runs} (31)
 * batch-1 passes before them; latency warm-up ends early after {@link Timing#WARMUP_SECONDS}.
 * {@code -Dbench.train.warmup} (20): training steps before {@code runs} timed ones, then more
 * until the JIT has gone quiet ({@link Timing#measureTraining}).
 */
public final class MicroNetBenchmark {
    static final int CLASSES = 1000;
    /** Models.defaults' seed: the PyTorch process rebuilds the same network from it. */
    static final long SEED = 1;
    // a batch-1 pass is milliseconds: enough calls for the JIT to compile our kernels, and a stable median
    private static final int LATENCY_WARMUP = Integer.getInteger("bench.latency.warmup", 2000);
    private static final int LATENCY_RUNS = Integer.getInteger("bench.latency.runs", 31);
    private static final int TRAIN_WARMUP = Integer.getInteger("bench.train.warmup", 20);
    /** Per-layer rows of a batch-1 forward: each takes microseconds, so a median of more runs costs little. */
    private static final int LATENCY_LAYER_RUNS = 21;
    /** Training shapes above this many input pixels a batch get no per-layer rows (224x224 x 64 is over). */
    private static final long PER_LAYER_MAX_PIXELS = 32L * 32 * 128 * 4;

    private MicroNetBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 3 && args[0].equals("summary")) {
            summary(Path.of(args[1]), Path.of(args[2]));
            return;
        }
        if (args.length != 6) {
            System.err.println("usage: MicroNetBenchmark <latency|train> <out.md> <models> <size> <batch> <runs>\n"
                    + "       MicroNetBenchmark summary <out.md> <rows.tsv>");
            System.exit(2);
        }
        boolean train = args[0].equals("train");
        Path out = Path.of(args[1]);
        int size = Integer.parseInt(args[3]);
        int batch = train ? Integer.parseInt(args[4]) : 1;
        int runs = Integer.parseInt(args[5]);
        int warmup = train ? TRAIN_WARMUP : LATENCY_WARMUP;
        int timed = train ? runs : LATENCY_RUNS;
        String machine = Machine.describe();
        System.err.println("measuring the machine's peak");
        MachinePeak peak = MachinePeak.measure(Machine.computeThreads());
        TorchProcess torchProcess = new TorchProcess(train);
        List<String[]> summary = new ArrayList<>();
        List<String> rows = new ArrayList<>();
        StringBuilder allocations = new StringBuilder();
        StringBuilder layers = new StringBuilder();
        java.util.Set<String> torchThreads = new java.util.LinkedHashSet<>();
        List<String> torchWarmups = new ArrayList<>();
        int nnpackWarnings = 0;
        List<String> fingerprints = new ArrayList<>();
        for (String model : args[2].split(",")) {
            ModelConfig cfg = Models.bundled(model).withTask(size, CLASSES);
            ComputationGraph net = Models.create(cfg, Models.defaults(SEED));
            // before ours trains: the PyTorch process checks that it rebuilt these very weights
            String fingerprint = TorchBenchmark.fingerprint(net);
            fingerprints.add(model + " " + fingerprint);
            Dl4jRunner ours = new Dl4jRunner(net);
            Dl4jRunner builtin = new Dl4jRunner(Models.create(cfg.withOps(Ops.DL4J), Models.defaults(SEED)));
            System.err.printf("%s: timing whole model%n", model);
            Timing.Measurement oursM, foldedM = null;
            if (train) {
                oursM = ours.trainStep(batch, size, CLASSES, warmup, timed);
            } else {
                // what predict and score run: batch norms and channel shuffles folded into the convs next to
                // them, depthwise pairs fused. Each graph is timed on its own, pass after pass, as DL4J's
                // built-in layers, ONNX Runtime and PyTorch are: timed in turns, each pass found the other
                // graph's weights in the caches (M3 folded read 10.05 ms so, 6.4-8.1 ms back to back)
                foldedM = new Dl4jRunner(InferenceFolding.fold(net)).inference(size, warmup, timed);
                oursM = ours.inference(size, warmup, timed);
            }
            Timing.Measurement builtinM = train ? builtin.trainStep(batch, size, CLASSES, warmup, timed)
                    : builtin.inference(size, warmup, timed);
            // ONNX Runtime stays in this process: batch 1 on one intra-op thread runs on the calling
            // thread, with no pool of its own to spin or to compete with ND4J's (idle by then)
            double ortSec = Double.NaN;
            if (!train) {
                try (OrtRunner ort = new OrtRunner(net, size)) {
                    ortSec = ort.inferenceSeconds(size, warmup, timed);
                }
            }
            boolean perLayer = !train || (long) size * size * batch <= PER_LAYER_MAX_PIXELS;
            Map<String, Dl4jRunner.LayerTime> oursLayers = null, builtinLayers = null;
            if (perLayer) {
                System.err.printf("%s: per-layer breakdown%n", model);
                int layerRuns = train ? runs : Math.max(runs, LATENCY_LAYER_RUNS);
                oursLayers = ours.perLayer(batch, size, train, layerRuns);
                builtinLayers = builtin.perLayer(batch, size, train, layerRuns);
            }
            // PyTorch's process starts with this one's networks and their workspaces released: at 224x64
            // M3's two (ours and DL4J's built-in) held 23 GB and the machine OOM-killed this JVM
            net = null;
            ours = null;
            builtin = null;
            Nd4j.getWorkspaceManager().destroyAllWorkspacesForCurrentThread();
            System.gc();
            TorchProcess.Result torch = torchProcess.run(model, size, batch, warmup, timed, runs, fingerprint);
            torchThreads.add(torch.intraOpThreads() + " intra-op, " + torch.interOpThreads() + " inter-op");
            nnpackWarnings += torch.nnpackWarnings();
            double oursSec = oursM.medianSeconds(), builtinSec = builtinM.medianSeconds(), torchSec = torch.seconds();
            if (train) {
                summary.add(new String[]{model, fmt(batch / oursSec), fmt(batch / builtinSec), fmt(batch / torchSec),
                        fmt(builtinSec / oursSec), fmt(torchSec / oursSec)});
                rows.add(String.join("\t", "training images/s, " + size + "x" + size + " batch " + batch, model,
                        fmt(batch / oursSec), fmt(batch / torchSec), fmt(torchSec / oursSec),
                        Machine.computeThreads() + "", torch.intraOpThreads() + "", out.getFileName().toString()));
            } else {
                double foldedSec = foldedM.medianSeconds();
                summary.add(new String[]{model, fmt(oursSec * 1e3), fmt(foldedSec * 1e3), fmt(builtinSec * 1e3),
                        fmt(torchSec * 1e3), fmt(ortSec * 1e3), fmt(oursSec / foldedSec), fmt(builtinSec / foldedSec),
                        fmt(torchSec / foldedSec), fmt(ortSec / foldedSec)});
                rows.add(String.join("\t", "batch-1 latency ms, " + size + "x" + size + ", folded", model,
                        fmt(foldedSec * 1e3), fmt(torchSec * 1e3), fmt(torchSec / foldedSec),
                        Machine.computeThreads() + "", torch.intraOpThreads() + "", out.getFileName().toString()));
            }
            allocations.append(allocationRow(model, "ours", oursM));
            if (foldedM != null) {
                allocations.append(allocationRow(model, "ours, folded", foldedM));
            }
            allocations.append(allocationRow(model, "DL4J built-in", builtinM));
            torchWarmups.add(model + " " + torch.warmup());
            layers.append("\n## ").append(model).append(": per layer\n\n");
            if (perLayer) {
                layers.append(breakdown(cfg, oursLayers, builtinLayers, torch.layers(), batch, train, peak));
            } else {
                // when the rows ran outside workspaces, on fresh native arrays that only a GC frees, 224x64
                // went past this machine's 24 GB and the JVM was OOM-killed, twice; not tried in workspaces yet
                layers.append("Not measured at ").append(size).append('x').append(size).append(" batch ").append(batch)
                        .append(" (shapes over ").append(PER_LAYER_MAX_PIXELS).append(" input pixels a batch): ")
                        .append("see the 32x32 file.\n");
            }
        }
        StringBuilder md = new StringBuilder();
        md.append("# MicroNet on the CPU: ").append(train ? "training" : "batch-1 inference")
                .append(", ours (DL4J + our kernels) vs DL4J built-in layers vs PyTorch")
                .append(train ? "" : " vs ONNX Runtime").append("\n\n")
                .append("- command: `").append(System.getProperty("bench.command", String.join(" ", args))).append("`\n")
                .append("- machine: ").append(machine).append('\n')
                .append("- date: ").append(ZonedDateTime.now()).append('\n')
                .append("- threads, ours, DL4J built-in").append(train ? "" : " and ONNX Runtime").append(" (this JVM): ")
                .append(Machine.threads(!train)).append('\n')
                .append("- threads, PyTorch (a JVM of its own, started per model: ").append(torchProcess.describe())
                .append("): libtorch ").append(String.join("; ", torchThreads))
                .append(train ? " (its defaults)" : " (intra-op set to 1)")
                .append(nnpackWarnings == 0 ? "" : "; it printed libtorch's warning `" + TorchProcess.NNPACK_WARNING
                        + "` " + nnpackWarnings + " times (at batch-1 convolutions), not shown in the log")
                .append('\n')
                .append("- weights: each network built from its config with seed ").append(SEED)
                .append(" in both processes; the PyTorch process checked that its parameters' fingerprint (CRC-32 of the")
                .append(" float32 parameters and batch norm statistics, count) equals this one's: ")
                .append(String.join(", ", fingerprints)).append('\n')
                .append("- input ").append(size).append('x').append(size)
                .append(", batch ").append(batch).append(", median of ").append(timed).append(train ? " steps" : " passes")
                .append(train ? " after " + warmup + " warm-up steps (fewer once 20 s have passed; at least 3), then more"
                        + " until the JIT spent under 1% of a second compiling (at most 120 s in all; JitWarmUp, the rule"
                        + " of micronet benchmark --mode train)"
                        : " after up to " + warmup + " warm-up passes (fewer once " + fmt(Timing.WARMUP_SECONDS)
                        + " s have passed; at least " + Timing.MIN_WARMUP + ")")
                .append(", the same rule in PyTorch's process (its warm-up: ").append(String.join("; ", torchWarmups))
                .append("; ours and DL4J's in the memory table) (per-layer rows: median of ").append(train ? runs : Math.max(runs, LATENCY_LAYER_RUNS))
                .append(" runs after 1, each in workspaces as in the network; PyTorch's per-layer rows: mean of ").append(runs)
                .append(" passes after 1)\n")
                .append("- machine peak: ").append(peak.describe()).append("\n\n");
        String unit = train ? "images/s" : "ms/image";
        if (train) {
            md.append("| model | ours images/s | DL4J built-in images/s | PyTorch images/s")
                    .append(" | ours / DL4J built-in speed | ours / PyTorch speed |\n|---|---|---|---|---|---|\n");
        } else {
            md.append("Ours twice: the network as trained, and folded (InferenceFolding: batch norms and channel")
                    .append(" shuffles folded into the convs next to them, each k x 1, 1 x k depthwise pair and the ReLU6 after")
                    .append(" it in one layer, pointwise convs with their ReLU6, dense layers on a batch-1 kernel: what")
                    .append(" predict and score run), each timed on its own like the others; the ratios are the folded")
                    .append(" one's.\n\n")
                    .append("| model | ours ms/image | ours, folded ms/image | DL4J built-in ms/image")
                    .append(" | PyTorch ms/image | ONNX Runtime ms/image | folded / as trained speed")
                    .append(" | folded / DL4J built-in speed | folded / PyTorch speed | folded / ONNX Runtime speed |\n")
                    .append("|---|---|---|---|---|---|---|---|---|---|\n");
        }
        for (String[] row : summary) {
            md.append("| ").append(String.join(" | ", row)).append(" |\n");
        }
        String per = train ? "step" : "pass", pers = train ? "steps" : "passes";
        md.append("\n## Memory allocated and garbage collections during the timed ").append(pers).append("\n\n")
                .append("After the warm-up, around the timed ").append(pers).append(" only: bytes allocated on the Java heap per ")
                .append(per).append(" by the timing thread (ThreadMXBean#getCurrentThreadAllocatedBytes) and by all of this JVM's")
                .append(" threads (the timing thread plus kernel pool threads), and the collections that ran meanwhile")
                .append(" (GarbageCollectorMXBean). Off the heap: ND4J's floating-point buffers (activations, gradients,")
                .append(" scalars) created per ").append(per).append(" outside a workspace, and their bytes (NativeBuffers;")
                .append(" exact when no collection ran; ")
                .append(NativeBuffers.available() ? "counted" : "not counted on this ND4J version: the columns read 0")
                .append("); every other one is carved from a workspace allocated before.\n\n")
                .append("| model | network | warm-up ").append(pers).append(" | ").append(pers).append(" timed | heap bytes/").append(per).append(", timing thread | heap bytes/")
                .append(per).append(", all threads | GCs | GC ms | off-heap buffers/").append(per).append(" outside workspaces")
                .append(" | their bytes/").append(per).append(" |\n|---|---|---|---|---|---|---|---|---|---|\n")
                .append(allocations);
        md.append(layers);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, md.toString());
        String rowsFile = System.getProperty("bench.summary");
        if (rowsFile != null) {
            Files.write(Path.of(rowsFile), rows, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        }
        System.out.print(md);
    }

    private static String allocationRow(String model, String network, Timing.Measurement m) {
        return String.format("| %s | %s | %s | %d | %,.0f | %,.0f | %d | %d | %,.1f | %,.0f |%n", model, network,
                m.warmup(), m.runs(),
                m.heapBytesPerRun(), m.heapBytesPerRunAllThreads(), m.gcCount(), m.gcMillis(), m.nativeBuffersPerRun(),
                m.nativeBytesPerRun());
    }

    /** Ours against PyTorch, every phase of one run.sh run side by side, from the rows the phases appended. */
    private static void summary(Path out, Path rowsFile) throws IOException {
        StringBuilder md = new StringBuilder("# MicroNet on the CPU: ours (DL4J + our kernels) vs PyTorch, side by side\n\n")
                .append("- command: `").append(System.getProperty("bench.command", "MicroNetBenchmark summary")).append("`\n")
                .append("- machine: ").append(Machine.describe().replace(" at the start", " at the end")).append('\n')
                .append("- date: ").append(ZonedDateTime.now()).append('\n')
                .append("- PyTorch runs in a JVM of its own (libtorch via DJL, its default settings: no OMP_WAIT_POLICY,")
                .append(" default intra-op threads for training, 1 for latency) on the same weights, shapes and batch, timed")
                .append(" like ours; each row's file has the details, the per-layer tables and the machine's peak\n")
                .append("- ours / PyTorch is a speed ratio: above 1, ours is faster (images/s divided by PyTorch's;")
                .append(" for latency PyTorch's ms divided by ours)\n\n")
                .append("| measure | model | ours | PyTorch | ours / PyTorch | threads, ours | intra-op threads, PyTorch | file |\n")
                .append("|---|---|---|---|---|---|---|---|\n");
        for (String line : Files.readAllLines(rowsFile)) {
            if (!line.isBlank()) {
                String[] f = line.split("\t");
                f[f.length - 1] = "[" + f[f.length - 1] + "](" + f[f.length - 1] + ")";
                md.append("| ").append(String.join(" | ", f)).append(" |\n");
            }
        }
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, md.toString());
        System.out.print(md);
    }

    /**
     * One row per layer: our forward (and backward) time, the DL4J built-in network's for the same
     * vertex (our kernel layers are replaced by DL4J's where it has one), PyTorch's forward time,
     * our forward FLOP/s against what a GEMM of the same size reaches, and our forward rate against
     * the machine's peak: FLOP/s against the float GEMM's for layers with multiply-adds, bytes/s
     * (input and output, once each) against the memory copy's for those without (batch norm,
     * channel shuffle, activations, pooling).
     */
    private static String breakdown(ModelConfig cfg, Map<String, Dl4jRunner.LayerTime> ours,
                                    Map<String, Dl4jRunner.LayerTime> builtin, Map<String, Double> torch, int batch,
                                    boolean train, MachinePeak peak) {
        Map<String, LayerCost> costs = new LinkedHashMap<>();
        for (LayerCost c : Models.complexity(cfg).layers()) {
            costs.put(c.name(), c);
        }
        StringBuilder sb = new StringBuilder(String.format(
                "Peak in this run: float GEMM %s GFLOP/s, memory copy %s GB/s (%d thread(s)).%n%n",
                fmt(peak.gemmFlops() / 1e9), fmt(peak.copyBytesPerSecond() / 1e9), peak.threads()))
                .append("| layer | type | MAdds/image | ours fwd ms | ours bwd ms | DL4J built-in fwd ms | DL4J built-in bwd ms ")
                .append("| PyTorch fwd ms | ours fwd GFLOP/s | same-shape GEMM GFLOP/s | GEMM / ours | ours fwd GB/s ")
                .append("| ours fwd % of peak |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        double[] sums = new double[5];
        Dl4jRunner.LayerTime none = new Dl4jRunner.LayerTime(Double.NaN, Double.NaN, Double.NaN);
        for (Map.Entry<String, Dl4jRunner.LayerTime> e : ours.entrySet()) {
            LayerCost c = costs.get(e.getKey());
            Dl4jRunner.LayerTime t = e.getValue();
            Dl4jRunner.LayerTime b = builtin.getOrDefault(e.getKey(), none);
            double th = torch.getOrDefault(e.getKey(), Double.NaN);
            double[] row = {t.forwardSeconds(), train ? t.backwardSeconds() : Double.NaN, b.forwardSeconds(),
                    train ? b.backwardSeconds() : Double.NaN, th};
            for (int i = 0; i < row.length; i++) {
                sums[i] += Double.isNaN(row[i]) ? 0 : row[i];
            }
            long madds = c == null ? 0 : c.madds() + c.fusionMadds();
            // a forward time at or under zero (the input copy taken off) has no rate
            boolean timed = t.forwardSeconds() > 0;
            String flops = "", gemm = "", ratio = "", bytes = "", ofPeak = "";
            if (madds > 0) {
                long pixels = outputPixels(c.output());
                long n = batch * pixels;
                long k = Math.max(1, madds / Math.max(1, c.cout() * pixels));
                double gemmRate = 2 * GemmReference.maddsPerSecond(c.cout(), k, n, 5);
                gemm = fmt(gemmRate / 1e9);
                if (timed) {
                    double oursRate = 2.0 * madds * batch / t.forwardSeconds();
                    flops = fmt(oursRate / 1e9);
                    ratio = fmt(gemmRate / oursRate);
                    ofPeak = fmt(100 * oursRate / peak.gemmFlops());
                }
            } else if (timed && !Double.isNaN(t.forwardBytes())) {
                double rate = t.forwardBytes() / t.forwardSeconds();
                bytes = fmt(rate / 1e9);
                ofPeak = fmt(100 * rate / peak.copyBytesPerSecond());
            }
            sb.append(String.format("| %s | %s | %,d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n", e.getKey(),
                    c == null ? "" : c.type(), madds, ms(row[0]), ms(row[1]), ms(row[2]), ms(row[3]), ms(row[4]),
                    flops, gemm, ratio, bytes, ofPeak));
        }
        sb.append(String.format("| **sum** | | | %s | %s | %s | %s | %s | | | | | |%n", ms(sums[0]),
                train ? ms(sums[1]) : "", ms(sums[2]), train ? ms(sums[3]) : "", ms(sums[4])));
        return sb.toString();
    }

    private static String ms(double seconds) {
        return fmt(seconds * 1e3);
    }

    private static long outputPixels(String hxw) {
        String[] p = hxw.split("x");
        return Long.parseLong(p[0]) * Long.parseLong(p[1]);
    }

    private static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "";
        }
        return v >= 100 ? String.format("%,.0f", v) : v >= 1 ? String.format("%.2f", v) : String.format("%.3f", v);
    }
}
