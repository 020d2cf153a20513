package org.micronet.cli;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.micronet.kernels.Parallel;
import org.micronet.models.InferenceFolding;
import org.micronet.models.ModelConfig;
import org.micronet.models.Models;
import org.micronet.models.Ops;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.concurrent.Callable;

@Command(name = "benchmark", mixinStandardHelpOptions = true,
        description = {"Time a model on this machine with random data: batch-1 inference latency or training throughput.",
                "Ends with one line 'latency_ms: <median>' or 'images_per_sec: <median>'; in train mode the line"
                        + " before it is 'images_per_sec_mean: <images over the timed steps' seconds>', which counts"
                        + " every pause (collections included) as an epoch's images/s does.",
                "--threads caps ND4J's native threads; OMP_NUM_THREADS=N in the environment caps them from JVM start."})
final class BenchmarkCommand implements Callable<Integer> {
    private static final long DEFAULT_WARMUP_NANOS = 20_000_000_000L;
    private static final int LATENCY_WARMUP = 2000;
    private static final int TRAIN_WARMUP = 20;

    enum Mode { LATENCY, TRAIN }

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "<config>",
            description = "Model YAML file or the name of a bundled one (m0, m1, m2, m3, ...).")
    String model;

    @Option(names = "--mode", required = true, paramLabel = "<latency|train>",
            description = "latency: batch 1, one thread by default; train: training steps (fit) on one batch.")
    Mode mode;

    @Option(names = "--batch", paramLabel = "<n>", description = "Training batch size (default 32; latency always uses 1).")
    Integer batch;

    @Option(names = "--size", paramLabel = "<pixels>", description = "Square input size (default: the config's).")
    Integer size;

    @Option(names = "--classes", paramLabel = "<n>",
            description = "Classes of the head (default: the config's, 1000 for ImageNet): the head's dense layer "
                    + "grows with them, so compare with a run on the same classes.")
    Integer classes;

    @Option(names = "--threads", paramLabel = "<n>", description = "Threads for ND4J (default 1 for latency, all cores for train).")
    Integer threads;

    @Option(names = "--ops", paramLabel = "<micronet|dl4j>",
            description = "Layer implementation: micronet (our kernels) or dl4j (DL4J's built-in layers); default: the config's ops.")
    Ops ops;

    @Option(names = "--iterations", paramLabel = "<n>", description = "Timed iterations after warm-up (default 20 latency, 5 train).")
    Integer iterations;

    @Option(names = "--warmup", paramLabel = "<n>",
            description = "Untimed iterations first (default: latency 2000 or 20 s, whichever ends first; train 20 or 20 s, "
                    + "then until the JIT spends under 1%% of a second compiling, at most 120 s): the float kernels run slowly until "
                    + "the JIT has compiled them (M0's latency at 224 read 5.5-6.0 ms after 50, 2.9-3.0 ms after 2000; in "
                    + "training at 224, batch 64, its hard swish still ran the allocating fallback after 20 steps).")
    Integer warmupIterations;

    @Option(names = "--unfolded",
            description = "Latency of the graph as trained; by default batch norms and channel shuffles are folded into "
                    + "the layers next to them and each k x 1, 1 x k depthwise pair runs as one layer, as predict and score run it (--mode train always runs the graph as trained).")
    boolean unfolded;

    @Override
    public Integer call() {
        ModelConfig resolved = Models.resolve(model);
        ModelConfig base = ops != null ? resolved.withOps(ops) : resolved;
        ModelConfig cfg = base.withTask(size != null ? size : base.inputSize(), classes != null ? classes : base.classes());
        int n = mode == Mode.LATENCY ? 1 : batch != null ? batch : 32;
        int runs = iterations != null ? iterations : mode == Mode.LATENCY ? 20 : 5;
        int nThreads = threads != null ? threads : mode == Mode.LATENCY ? 1 : Runtime.getRuntime().availableProcessors();
        if (n < 1 || runs < 1 || nThreads < 1 || cfg.classes() < 1) {
            throw new IllegalArgumentException("--batch, --classes, --iterations and --threads must be >= 1");
        }
        if (warmupIterations != null && warmupIterations < 0) {
            throw new IllegalArgumentException("--warmup must be >= 0");
        }
        System.setProperty(Parallel.THREADS_PROPERTY, Integer.toString(nThreads));
        Nd4j.getEnvironment().setMaxThreads(nThreads);
        Nd4j.getEnvironment().setMaxMasterThreads(nThreads);
        PrintWriter out = new PrintWriter(System.out, true);
        ComputationGraph created = Models.create(cfg, Models.defaults(1));
        out.printf("model: %s (ops %s), mode %s, input %dx%d, %d classes, %,d parameters, batch %d, %d thread(s), "
                        + "%d iterations%n", cfg.name(), cfg.ops().name().toLowerCase(), mode.name().toLowerCase(),
                cfg.inputSize(), cfg.inputSize(), cfg.classes(), Models.complexity(cfg).params(), n, nThreads, runs);
        boolean fold = mode == Mode.LATENCY && !unfolded;
        ComputationGraph net = fold ? InferenceFolding.fold(created) : created;
        if (fold) {
            out.printf("folded for inference: %d layers (batch norms, channel shuffles, depthwise pairs) into the layers"
                            + " next to them"
                            + " (--unfolded: the graph as trained)%n",
                    created.getVertices().length - net.getVertices().length);
        }
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.rand(DataType.FLOAT, n, 3, cfg.inputSize(), cfg.inputSize()).subi(0.5);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, cfg.classes());
        for (int i = 0; i < n; i++) {
            y.putScalar(i, i % cfg.classes(), 1.0);
        }
        DataSet data = new DataSet(x, y);
        Runnable step = mode == Mode.LATENCY ? () -> net.output(x) : () -> net.fit(data);
        long warmupStart = System.nanoTime();
        if (mode == Mode.TRAIN && warmupIterations == null) {
            out.printf("warm-up: %s%n", JitWarmUp.run(TRAIN_WARMUP, step).describe());
        } else {
            int warmup = warmupIterations != null ? warmupIterations : LATENCY_WARMUP;
            // by default a slow network (ops dl4j: 0.1 s a pass) does not warm up for minutes
            long warmupEnd = warmupIterations != null ? Long.MAX_VALUE : warmupStart + DEFAULT_WARMUP_NANOS;
            int warmed = 0;
            while (warmed < warmup && (warmed == 0 || System.nanoTime() < warmupEnd)) {
                step.run();
                warmed++;
            }
            out.printf("warm-up: %d iterations in %.1f s%n", warmed, (System.nanoTime() - warmupStart) / 1e9);
        }
        double[] seconds = new double[runs];
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            step.run();
            seconds[i] = (System.nanoTime() - start) / 1e9;
            out.printf("iteration %d/%d: %.2f ms%n", i + 1, runs, seconds[i] * 1e3);
        }
        double median = median(seconds);
        if (mode == Mode.TRAIN) {
            out.printf("images_per_sec_mean: %.1f%n", n * runs / Arrays.stream(seconds).sum());
        }
        out.println(mode == Mode.LATENCY ? String.format("latency_ms: %.3f", median * 1e3)
                : String.format("images_per_sec: %.1f", n / median));
        return 0;
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
