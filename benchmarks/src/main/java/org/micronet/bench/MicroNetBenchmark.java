package org.micronet.bench;

import ai.onnxruntime.OrtException;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.micronet.bench.torch.TorchMicroNet;
import org.micronet.complexity.LayerCost;
import org.micronet.models.ModelConfig;
import org.micronet.models.Models;
import org.micronet.models.Ops;

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
 * against the same weights in PyTorch (libtorch through DJL) and, for latency, against its
 * ONNX export in ONNX Runtime, in one JVM:
 * batch-1 latency ({@code latency}) or training images/s ({@code train}), with the per-layer
 * breakdown and each layer's multiply-adds/s against a dense GEMM of the same size.
 * The thread count is the process's (OMP_NUM_THREADS and ai.djl.pytorch.num_threads; see run.sh).
 *
 * <p>Usage: {@code MicroNetBenchmark <latency|train> <out.md> <models,comma,separated> <size> <batch> <runs>}
 */
public final class MicroNetBenchmark {
    private static final int CLASSES = 1000;
    // a batch-1 pass is milliseconds: enough calls for the JIT to compile our kernels, and a stable median
    private static final int LATENCY_WARMUP = 50, LATENCY_RUNS = 31;

    private MicroNetBenchmark() {
    }

    public static void main(String[] args) throws IOException, OrtException {
        if (args.length != 6) {
            System.err.println("usage: MicroNetBenchmark <latency|train> <out.md> <models> <size> <batch> <runs>");
            System.exit(2);
        }
        boolean train = args[0].equals("train");
        Path out = Path.of(args[1]);
        int size = Integer.parseInt(args[3]);
        int batch = train ? Integer.parseInt(args[4]) : 1;
        int runs = Integer.parseInt(args[5]);
        StringBuilder md = new StringBuilder();
        md.append("# MicroNet on the CPU: ").append(train ? "training" : "batch-1 inference")
                .append(", ours (DL4J + our kernels) vs DL4J built-in layers vs PyTorch")
                .append(train ? "" : " vs ONNX Runtime").append("\n\n")
                .append("- command: `").append(System.getProperty("bench.command", String.join(" ", args))).append("`\n")
                .append("- machine: ").append(Machine.describe()).append('\n')
                .append("- date: ").append(ZonedDateTime.now()).append('\n')
                .append("- threads: ").append(Machine.threads()).append(", input ").append(size).append('x').append(size)
                .append(", batch ").append(batch).append(", median of ").append(train ? runs + " steps after 1" : LATENCY_RUNS + " passes after " + LATENCY_WARMUP)
                .append(" warm-up (per-layer rows: ").append(runs).append(" runs)\n\n");
        List<String[]> summary = new ArrayList<>();
        StringBuilder layers = new StringBuilder();
        for (String model : args[2].split(",")) {
            ModelConfig cfg = Models.bundled(model).withTask(size, CLASSES);
            ComputationGraph net = Models.create(cfg, Models.defaults(1));
            Dl4jRunner ours = new Dl4jRunner(net);
            Dl4jRunner builtin = new Dl4jRunner(Models.create(cfg.withOps(Ops.DL4J), Models.defaults(1)));
            try (TorchMicroNet mirror = TorchMicroNet.mirror(net, ai.djl.ndarray.types.DataType.FLOAT32);
                 OrtRunner ort = train ? null : new OrtRunner(net, size)) {
                TorchRunner torch = new TorchRunner(mirror);
                System.err.printf("%s: timing whole model%n", model);
                double oursSec = train ? ours.trainStepSeconds(batch, size, CLASSES, 1, runs)
                        : ours.inferenceSeconds(size, LATENCY_WARMUP, LATENCY_RUNS);
                double builtinSec = train ? builtin.trainStepSeconds(batch, size, CLASSES, 1, runs)
                        : builtin.inferenceSeconds(size, LATENCY_WARMUP, LATENCY_RUNS);
                double torchSec = train ? torch.trainStepSeconds(batch, size, CLASSES, 1, runs)
                        : torch.inferenceSeconds(size, LATENCY_WARMUP, LATENCY_RUNS);
                if (train) {
                    summary.add(new String[]{model, fmt(batch / oursSec), fmt(batch / builtinSec), fmt(batch / torchSec),
                            fmt(builtinSec / oursSec), fmt(torchSec / oursSec)});
                } else {
                    double ortSec = ort.inferenceSeconds(size, LATENCY_WARMUP, LATENCY_RUNS);
                    summary.add(new String[]{model, fmt(oursSec * 1e3), fmt(builtinSec * 1e3), fmt(torchSec * 1e3),
                            fmt(ortSec * 1e3), fmt(builtinSec / oursSec), fmt(torchSec / oursSec), fmt(ortSec / oursSec)});
                }
                System.err.printf("%s: per-layer breakdown%n", model);
                layers.append("\n## ").append(model).append(": per layer\n\n")
                        .append(breakdown(cfg, ours.perLayer(batch, size, train, runs),
                                builtin.perLayer(batch, size, train, runs),
                                torch.perVertexForward(batch, size, runs), batch, train));
            }
        }
        String unit = train ? "images/s" : "ms/image";
        md.append("| model | ours ").append(unit).append(" | DL4J built-in ").append(unit).append(" | PyTorch ").append(unit)
                .append(train ? "" : " | ONNX Runtime " + unit)
                .append(" | ours / DL4J built-in speed | ours / PyTorch speed")
                .append(train ? " |\n|---|---|---|---|---|---|\n" : " | ours / ONNX Runtime speed |\n|---|---|---|---|---|---|---|---|\n");
        for (String[] row : summary) {
            md.append("| ").append(String.join(" | ", row)).append(" |\n");
        }
        md.append(layers);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, md.toString());
        System.out.print(md);
    }

    /**
     * One row per layer: our forward (and backward) time, the DL4J built-in network's for the same
     * vertex (our kernel layers are replaced by DL4J's where it has one), PyTorch's forward time,
     * and our forward multiply-adds/s against what a GEMM of the same size reaches.
     */
    private static String breakdown(ModelConfig cfg, Map<String, double[]> ours, Map<String, double[]> builtin,
                                    Map<String, Double> torch, int batch, boolean train) {
        Map<String, LayerCost> costs = new LinkedHashMap<>();
        for (LayerCost c : Models.complexity(cfg).layers()) {
            costs.put(c.name(), c);
        }
        StringBuilder sb = new StringBuilder(
                "| layer | type | MAdds/image | ours fwd ms | ours bwd ms | DL4J built-in fwd ms | DL4J built-in bwd ms "
                        + "| PyTorch fwd ms | ours fwd GMAdd/s | GEMM GMAdd/s | GEMM / ours |\n"
                        + "|---|---|---|---|---|---|---|---|---|---|---|\n");
        double[] sums = new double[5];
        for (Map.Entry<String, double[]> e : ours.entrySet()) {
            LayerCost c = costs.get(e.getKey());
            double[] t = e.getValue();
            double[] b = builtin.getOrDefault(e.getKey(), new double[]{Double.NaN, Double.NaN});
            double th = torch.getOrDefault(e.getKey(), Double.NaN);
            double[] row = {t[0], train ? t[1] : Double.NaN, b[0], train ? b[1] : Double.NaN, th};
            for (int i = 0; i < row.length; i++) {
                sums[i] += Double.isNaN(row[i]) ? 0 : row[i];
            }
            long madds = c == null ? 0 : c.madds() + c.fusionMadds();
            String rate = "", gemm = "", ratio = "";
            if (madds > 0) {
                long pixels = outputPixels(c.output());
                long n = batch * pixels;
                long k = Math.max(1, madds / Math.max(1, c.cout() * pixels));
                double oursRate = madds * (double) batch / t[0];
                double gemmRate = GemmReference.maddsPerSecond(c.cout(), k, n, 5);
                rate = fmt(oursRate / 1e9);
                gemm = fmt(gemmRate / 1e9);
                ratio = fmt(gemmRate / oursRate);
            }
            sb.append(String.format("| %s | %s | %,d | %s | %s | %s | %s | %s | %s | %s | %s |%n", e.getKey(),
                    c == null ? "" : c.type(), madds, ms(row[0]), ms(row[1]), ms(row[2]), ms(row[3]), ms(row[4]),
                    rate, gemm, ratio));
        }
        sb.append(String.format("| **sum** | | | %s | %s | %s | %s | %s | | | |%n", ms(sums[0]),
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
