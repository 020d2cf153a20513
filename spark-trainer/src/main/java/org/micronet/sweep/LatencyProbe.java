package org.micronet.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.micronet.trainer.Exporter;
import org.micronet.trainer.RunStore;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.util.Arrays;
import java.util.Map;

/**
 * Batch-1 inference latency of a finished run's exported model at its input size (Figure 5),
 * measured in this JVM with ND4J's current thread settings (start with OMP_NUM_THREADS=1 for the
 * paper's single-thread numbers); written to {@code <run>/latency.json}.
 */
final class LatencyProbe {
    static final String FILE = "latency.json";
    private static final int WARMUP = 3;
    private static final int ITERATIONS = 15;

    private LatencyProbe() {
    }

    static void measure(RunStore run, Configuration conf) throws IOException {
        String export = run.path(SweepPlan.EXPORT).toString();
        JsonNode card = SweepPlan.JSON.readTree(new RunStore(export, conf).readString(Exporter.CARD));
        int size = card.get("input_size").asInt();
        ComputationGraph net = Exporter.load(export, conf);
        INDArray x = Nd4j.rand(DataType.FLOAT, 1, 3, size, size);
        double[] ms = new double[ITERATIONS];
        for (int i = -WARMUP; i < ITERATIONS; i++) {
            long t0 = System.nanoTime();
            net.output(x);
            if (i >= 0) {
                ms[i] = (System.nanoTime() - t0) / 1e6;
            }
        }
        Arrays.sort(ms);
        run.writeString(FILE, SweepPlan.JSON.writeValueAsString(Map.of("latency_ms", ms[ITERATIONS / 2],
                "input_size", size, "iterations", ITERATIONS)));
    }
}
