package org.micronet.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import org.micronet.bench.torch.TorchMicroNet;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/** Times the PyTorch mirror of a DL4J MicroNet the same way as {@link Dl4jRunner}. */
final class TorchRunner {
    private static final float LEARNING_RATE = 0.01f;
    private final TorchMicroNet net;

    TorchRunner(TorchMicroNet net) {
        this.net = net;
    }

    double inferenceSeconds(int size, int warmup, int runs) {
        INDArray x = Dl4jRunner.images(1, size);
        return Timing.medianSeconds(warmup, runs, () -> {
            try (NDManager step = net.manager().newSubManager()) {
                net.forward(input(x, step), false, null);
            }
        });
    }

    /** Forward with batch statistics, loss, backward and a plain SGD update. */
    double trainStepSeconds(int batch, int size, int classes, int warmup, int runs) {
        INDArray x = Dl4jRunner.images(batch, size);
        INDArray y = Dl4jRunner.labels(batch, classes);
        Collection<NDArray> params = net.learnable().values();
        params.forEach(p -> p.setRequiresGradient(true));
        double seconds = Timing.medianSeconds(warmup, runs, () -> {
            try (NDManager step = net.manager().newSubManager()) {
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    collector.zeroGradients();
                    collector.backward(net.loss(net.forward(input(x, step), true, null), input(y, step)));
                }
                for (NDArray p : params) {
                    p.subi(p.getGradient().mul(LEARNING_RATE));
                }
            }
        });
        params.forEach(p -> p.setRequiresGradient(false));
        return seconds;
    }

    /** Forward seconds per vertex (inference mode), summed over runs and divided by them. */
    Map<String, Double> perVertexForward(int batch, int size, int runs) {
        INDArray x = Dl4jRunner.images(batch, size);
        Map<String, Double> total = new LinkedHashMap<>();
        for (int r = 0; r <= runs; r++) {
            boolean timed = r > 0;
            try (NDManager step = net.manager().newSubManager()) {
                net.forward(input(x, step), false, (vertex, nanos) -> {
                    if (timed) {
                        total.merge(vertex, nanos / 1e9 / runs, Double::sum);
                    }
                });
            }
        }
        return total;
    }

    private NDArray input(INDArray a, NDManager step) {
        NDArray t = net.toTorch(a);
        t.attach(step);
        return t;
    }
}
