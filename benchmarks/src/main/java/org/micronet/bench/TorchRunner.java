package org.micronet.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import org.micronet.bench.torch.TorchMicroNet;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Times the PyTorch mirror of a DL4J MicroNet the same way as {@link Dl4jRunner}. Inputs and
 * labels are copied from ND4J into libtorch once, before the timed calls (ours times {@code fit}
 * on a ready DataSet): the timed calls are libtorch's work only.
 */
final class TorchRunner {
    private static final float LEARNING_RATE = 0.01f;
    private final TorchMicroNet net;

    TorchRunner(TorchMicroNet net) {
        this.net = net;
    }

    Timing.Measurement inference(int size, int warmup, int runs) {
        NDArray x = net.toTorch(Dl4jRunner.images(1, size));
        return Timing.measure(warmup, runs, () -> {
            try (NDManager step = net.manager().newSubManager()) {
                net.forward(input(x, step), false, null);
            }
        });
    }

    /** Forward with batch statistics, loss, backward and a plain SGD update. */
    Timing.Measurement trainStep(int batch, int size, int classes, int warmup, int runs) {
        NDArray x = net.toTorch(Dl4jRunner.images(batch, size));
        NDArray y = net.toTorch(Dl4jRunner.labels(batch, classes));
        Collection<NDArray> params = net.learnable().values();
        params.forEach(p -> p.setRequiresGradient(true));
        Timing.Measurement m = Timing.measureTraining(warmup, runs, () -> {
            try (NDManager step = net.manager().newSubManager()) {
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    collector.zeroGradients();
                    collector.backward(net.loss(net.forward(input(x, step), true, null), input(y, step)));
                }
                for (NDArray p : params) {
                    // closed here: made from p, they would otherwise pile up in the mirror's manager
                    try (NDArray grad = p.getGradient(); NDArray update = grad.mul(LEARNING_RATE)) {
                        p.subi(update);
                    }
                }
            }
        });
        params.forEach(p -> p.setRequiresGradient(false));
        return m;
    }

    /** Forward seconds per vertex (inference mode), summed over runs and divided by them. */
    Map<String, Double> perVertexForward(int batch, int size, int runs) {
        NDArray x = net.toTorch(Dl4jRunner.images(batch, size));
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

    /**
     * {@code t}, lent to the step's manager until it closes: what is computed from it is the step's
     * and goes with it, while {@code t} returns to the mirror's manager for the next step.
     */
    private static NDArray input(NDArray t, NDManager step) {
        t.tempAttach(step);
        return t;
    }
}
