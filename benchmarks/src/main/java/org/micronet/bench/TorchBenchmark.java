package org.micronet.bench;

import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.micronet.bench.torch.TorchMicroNet;
import org.micronet.models.ModelConfig;
import org.micronet.models.Models;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * The PyTorch side of {@link MicroNetBenchmark}, run by it as a JVM of its own ({@link TorchProcess})
 * so that libtorch works as it does alone: no second OpenMP runtime busy in the process, its own
 * wait policy and, for training, its own default intra-op thread count. It rebuilds the parent's
 * network from the same config and seed, refuses to time it unless its parameters' fingerprint is
 * the parent's, mirrors it with {@link TorchMicroNet} and times only PyTorch, with {@link Timing}
 * as the parent times ours. The results go to a small TSV file that the parent reads.
 *
 * <p>Usage: {@code TorchBenchmark <latency|train> <out.tsv> <model> <size> <batch> <warm-up> <runs>
 * <per-layer runs> <parameter fingerprint>}
 */
public final class TorchBenchmark {
    private TorchBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 9) {
            System.err.println("usage: TorchBenchmark <latency|train> <out.tsv> <model> <size> <batch> <warm-up> <runs>"
                    + " <per-layer runs> <parameter fingerprint>");
            System.exit(2);
        }
        boolean train = args[0].equals("train");
        Path out = Path.of(args[1]);
        String model = args[2];
        int size = Integer.parseInt(args[3]);
        int batch = Integer.parseInt(args[4]);
        int warmup = Integer.parseInt(args[5]);
        int runs = Integer.parseInt(args[6]);
        int layerRuns = Integer.parseInt(args[7]);
        ModelConfig cfg = Models.bundled(model).withTask(size, MicroNetBenchmark.CLASSES);
        ComputationGraph net = Models.create(cfg, Models.defaults(MicroNetBenchmark.SEED));
        String fingerprint = fingerprint(net);
        if (!fingerprint.equals(args[8])) {
            System.err.printf("%s rebuilt here has parameters %s, the benchmark's has %s: the two processes would"
                    + " not time the same network%n", model, fingerprint, args[8]);
            System.exit(3);
        }
        StringBuilder tsv = new StringBuilder();
        try (TorchMicroNet mirror = TorchMicroNet.mirror(net, DataType.FLOAT32)) {
            TorchRunner torch = new TorchRunner(mirror);
            // libtorch's pools as the timing found them (set up when the engine loaded, with the mirror)
            tsv.append("intra_op_threads\t").append(JniUtils.getNumThreads()).append('\n')
                    .append("inter_op_threads\t").append(JniUtils.getNumInteropThreads()).append('\n');
            System.err.printf("%s: timing PyTorch (own process, %d intra-op threads)%n", model, JniUtils.getNumThreads());
            Timing.Measurement m = train ? torch.trainStep(batch, size, MicroNetBenchmark.CLASSES, warmup, runs)
                    : torch.inference(size, warmup, runs);
            tsv.append("seconds\t").append(m.medianSeconds()).append('\n')
                    .append("warmup\t").append(m.warmup()).append('\n');
            System.err.printf("%s: PyTorch per layer%n", model);
            for (Map.Entry<String, Double> e : torch.perVertexForward(batch, size, layerRuns).entrySet()) {
                tsv.append("layer\t").append(e.getKey()).append('\t').append(e.getValue()).append('\n');
            }
        }
        Files.writeString(out, tsv);
    }

    /**
     * CRC-32 and count of a network's parameters (batch norm statistics included) as float32
     * bits: equal fingerprints mean both processes start from the same weights.
     */
    static String fingerprint(ComputationGraph net) {
        float[] params = net.params().dup('c').data().asFloat();
        ByteBuffer bytes = ByteBuffer.allocate(params.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(params);
        CRC32 crc = new CRC32();
        crc.update(bytes);
        return String.format("%08x-%d", crc.getValue(), params.length);
    }
}
