package org.micronet.bench.parity;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.micronet.bench.torch.TorchMicroNet;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One round of synchronous data-parallel SGD as our Spark job does it with parameter averaging
 * every minibatch: every worker's minibatch goes forward and backward on the same weights with its
 * own batch-norm batch statistics, the loss being the mean cross-entropy of that minibatch; the
 * gradients are averaged over the workers (each weighted equally, as parameter averaging weights
 * each worker's result, whatever its minibatch size), and so are the batch-norm running
 * statistics each worker's pass moved from the same starting values. Then one optimizer step.
 */
public final class SynchronousRound {
    private final TorchMicroNet net;
    private final HeavyBallSgd sgd;
    private final Map<String, NDArray> running;

    public SynchronousRound(TorchMicroNet net, HeavyBallSgd sgd) {
        this.net = net;
        this.sgd = sgd;
        this.running = net.runningStatistics();
    }

    /**
     * What a round did: each worker's minibatch loss (mean cross-entropy, before the step), and the
     * parameters whose gradients were not finite (then the step was skipped).
     */
    public record Outcome(List<Double> workerLosses, List<String> nonFiniteGradients) {
        public boolean stepped() {
            return nonFiniteGradients.isEmpty();
        }

        /** The mean of the workers' losses. */
        public double loss() {
            return workerLosses.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        }
    }

    /** Trains on one round at learning rate {@code lr}. */
    public Outcome train(List<Minibatch> workers, double lr) {
        List<Double> losses = new ArrayList<>();
        int k = workers.size();
        try (NDScope scope = new NDScope()) {
            Map<String, NDArray> start = k > 1 ? copy(running) : null;
            Map<String, NDArray> sum = k > 1 ? new LinkedHashMap<>() : null;
            for (int i = 0; i < k; i++) {
                if (i > 0) {
                    assign(running, start);
                }
                Minibatch mb = workers.get(i);
                // each worker's gradient enters the sum divided by the number of workers: PyTorch accumulates them
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    NDArray loss = net.loss(net.forward(input(mb), true, null), labels(mb));
                    collector.backward(loss.div(net.constant(k)));
                    losses.add(loss.toType(DataType.FLOAT64, false).getDouble());
                }
                if (sum != null) {
                    running.forEach((key, r) -> sum.merge(key, r.duplicate(), NDArray::add));
                }
            }
            if (sum != null) {
                assign(running, divide(sum, k));
            }
            List<String> nonFinite = sgd.step(lr);
            return new Outcome(losses, nonFinite);
        }
    }

    /** The minibatch's features as a libtorch array of the mirror's type. */
    public NDArray input(Minibatch mb) {
        return typed(manager().create(mb.features(), new Shape(mb.shape())));
    }

    public NDArray labels(Minibatch mb) {
        return typed(manager().create(mb.labels(), new Shape(mb.size(), mb.classes())));
    }

    private NDArray typed(NDArray a) {
        return a.getDataType() == net.dataType() ? a : a.toType(net.dataType(), false);
    }

    private NDManager manager() {
        return net.manager();
    }

    static Map<String, NDArray> copy(Map<String, NDArray> arrays) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        arrays.forEach((k, v) -> out.put(k, v.duplicate()));
        return out;
    }

    /** Overwrites each array of {@code target} in place (batch norm holds on to those arrays). */
    static void assign(Map<String, NDArray> target, Map<String, NDArray> values) {
        target.forEach((k, v) -> v.muli(0).addi(values.get(k)));
    }

    private static Map<String, NDArray> divide(Map<String, NDArray> arrays, int n) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        arrays.forEach((k, v) -> out.put(k, v.div(n)));
        return out;
    }
}
