package org.micronet.bench.parity;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.micronet.trainer.MomentumSgd;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.schedule.FixedSchedule;
import org.nd4j.linalg.schedule.ISchedule;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * torch.optim.SGD with momentum and weight_decay on libtorch arrays, as our {@link MomentumSgd}
 * with DL4J's L2: {@code d = g + wd * w; v = momentum * v + d; w -= lr * v}, the learning rate
 * given per step. The weight decay of each parameter is the L2 coefficient DL4J's configuration
 * gives that parameter (weights, biases, batch norm gamma and beta; none for running statistics).
 */
public final class HeavyBallSgd {
    private final Map<String, NDArray> params;
    private final Map<String, Double> weightDecay;
    private final Map<String, NDArray> velocity = new LinkedHashMap<>();
    private final double momentum;

    /**
     * @param params learnable parameters keyed {@code vertex_param} (as {@code TorchMicroNet.learnable()}),
     *               each with gradients attached
     * @param net    the DL4J network they mirror, whose configuration says each one's updater and L2
     */
    public HeavyBallSgd(Map<String, NDArray> params, ComputationGraph net) {
        this.params = params;
        this.weightDecay = weightDecay(params, net);
        Double m = null;
        for (String key : params.keySet()) {
            IUpdater u = conf(net, key).getUpdaterByParam(param(key));
            if (!(u instanceof MomentumSgd sgd)) {
                throw new IllegalArgumentException("parameter " + key + " is trained with " + u
                        + "; the PyTorch mirror implements MomentumSgd only");
            }
            if (m != null && m != sgd.getMomentum()) {
                throw new IllegalArgumentException("parameters with different momentum: " + m + " and " + sgd.getMomentum());
            }
            m = sgd.getMomentum();
        }
        this.momentum = m == null ? 0 : m;
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            NDArray v = e.getValue().zerosLike();
            NDScope.unregister(v);
            velocity.put(e.getKey(), v);
        }
    }

    /** The L2 coefficient DL4J applies to each parameter (0 where it applies none). */
    static Map<String, Double> weightDecay(Map<String, NDArray> params, ComputationGraph net) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String key : params.keySet()) {
            double wd = 0;
            List<Regularization> regs = conf(net, key).getRegularizationByParam(param(key));
            for (Regularization r : regs == null ? List.<Regularization>of() : regs) {
                if (!(r instanceof L2Regularization l2) || !(l2.getL2() instanceof FixedSchedule)) {
                    throw new IllegalArgumentException("parameter " + key + " has regularisation " + r
                            + "; the PyTorch mirror implements a constant L2 only");
                }
                ISchedule s = l2.getL2();
                wd += s.valueAt(0, 0);
            }
            out.put(key, wd);
        }
        return out;
    }

    private static Layer conf(ComputationGraph net, String key) {
        return net.getLayer(key.substring(0, key.lastIndexOf('_'))).conf().getLayer();
    }

    private static String param(String key) {
        return key.substring(key.lastIndexOf('_') + 1);
    }

    public double momentum() {
        return momentum;
    }

    public Map<String, Double> weightDecay() {
        return weightDecay;
    }

    /** DL4J's L2 score term, 0.5 * sum over parameters of wd * |w|^2 (part of its reported losses). */
    public double l2Penalty() {
        double sum = 0;
        try (NDScope scope = new NDScope()) {
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                double wd = weightDecay.get(e.getKey());
                if (wd > 0) {
                    sum += 0.5 * wd * e.getValue().square().sum().toType(ai.djl.ndarray.types.DataType.FLOAT64, false)
                            .getDouble();
                }
            }
        }
        return sum;
    }

    /**
     * One step with the gradients the parameters hold, which it then zeroes. Gradients that are not
     * all finite are not applied (weights and momentum stay as they were): the result names their
     * parameters; an empty list means the step was taken.
     */
    public List<String> step(double lr) {
        try (NDScope scope = new NDScope()) {
            NDArray total = null;
            for (NDArray w : params.values()) {
                NDArray s = w.getGradient().sum();
                total = total == null ? s : total.add(s);
            }
            if (total != null && !Double.isFinite(total.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).getDouble())) {
                List<String> bad = params.entrySet().stream().filter(e -> {
                    NDArray g = e.getValue().getGradient();
                    return g.isNaN().any().getBoolean() || g.isInfinite().any().getBoolean();
                }).map(Map.Entry::getKey).toList();
                for (NDArray w : params.values()) {
                    w.getGradient().set(new NDIndex("..."), 0);
                }
                return bad;
            }
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                NDArray w = e.getValue();
                NDArray g = w.getGradient();
                double wd = weightDecay.get(e.getKey());
                NDArray v = velocity.get(e.getKey());
                v.muli(momentum).addi(wd > 0 ? g.add(w.mul(wd)) : g);
                w.subi(v.mul(lr));
                g.subi(g);
            }
        }
        return List.of();
    }
}
