package org.micronet.bench.parity;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import org.micronet.bench.torch.TorchMicroNet;

import java.util.List;

/**
 * Top-1, top-5 and mean cross-entropy of the network in inference mode (batch norm on its running
 * statistics, no dropout) over the validation minibatches. A prediction is in the top k when fewer
 * than k classes score strictly higher than the true one, as DL4J's Evaluation counts top-N.
 */
public final class Validation {
    /**
     * @param loss      mean cross-entropy per image (no L2 term)
     * @param nonFinite images whose scores were not all finite (counted as wrong)
     */
    public record Result(double top1, double top5, double loss, long images, long nonFinite, double seconds) {
    }

    private Validation() {
    }

    public static Result evaluate(TorchMicroNet net, List<Minibatch> batches) {
        long t0 = System.nanoTime();
        long images = 0, top1 = 0, top5 = 0, nonFinite = 0;
        double lossSum = 0;
        for (Minibatch mb : batches) {
            float[] logProbs;
            try (NDScope scope = new NDScope()) {
                NDArray x = net.manager().create(mb.features(), new Shape(mb.shape())).toType(net.dataType(), false);
                logProbs = net.logits(net.forward(x, false, null)).logSoftmax(1).toFloatArray();
            }
            int[] labels = mb.labelIndices();
            int classes = mb.classes();
            for (int i = 0; i < labels.length; i++) {
                float truth = logProbs[i * classes + labels[i]];
                int higher = 0;
                boolean finite = true;
                for (int c = 0; c < classes; c++) {
                    finite &= Float.isFinite(logProbs[i * classes + c]);
                    if (logProbs[i * classes + c] > truth) {
                        higher++;
                    }
                }
                if (!finite) {
                    nonFinite++;
                    higher = classes;
                }
                top1 += higher < 1 ? 1 : 0;
                top5 += higher < 5 ? 1 : 0;
                lossSum -= truth;
            }
            images += labels.length;
        }
        return new Result((double) top1 / images, (double) top5 / images, lossSum / images, images, nonFinite,
                (System.nanoTime() - t0) / 1e9);
    }

    /** The first vertex whose inference output on {@code mb} holds a value that is not finite, or null. */
    public static String firstNonFinite(TorchMicroNet net, Minibatch mb) {
        try (NDScope scope = new NDScope()) {
            NDArray x = net.manager().create(mb.features(), new Shape(mb.shape())).toType(net.dataType(), false);
            for (java.util.Map.Entry<String, NDArray> e : net.forward(x, false, null).entrySet()) {
                NDArray v = e.getValue();
                if (v.isNaN().any().getBoolean() || v.isInfinite().any().getBoolean()) {
                    return e.getKey();
                }
            }
        }
        return null;
    }
}
