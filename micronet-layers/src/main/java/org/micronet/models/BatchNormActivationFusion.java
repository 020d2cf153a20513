package org.micronet.models;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.micronet.activations.HardSwish;
import org.micronet.activations.ReLU6;
import org.micronet.kernels.FusedActivation;
import org.micronet.layers.BatchNorm;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU6;

import java.util.ArrayList;

import static org.micronet.models.GraphEdits.consumerOf;
import static org.micronet.models.GraphEdits.layerOf;
import static org.micronet.models.GraphEdits.remove;
import static org.micronet.models.GraphEdits.reordered;
import static org.micronet.models.GraphEdits.soleConsumer;
import static org.micronet.models.GraphEdits.unprocessed;

/**
 * Each batch norm of ours that only a ReLU, ReLU6 or hard swish layer reads takes that activation
 * ({@link BatchNorm#getActivation}): the kernel applies it to its own output, and backward takes
 * its slope in the same pass, so the activation layer's copies of the activations (forward, and
 * backward twice) go, and the gradients stay exact. The batch norm keeps its name, so parameters,
 * checkpoints and exports are those of the unfused graph; the activation's vertex is gone, and
 * what read it reads the batch norm. Training graphs are built fused
 * ({@link Models#graph}); {@link Models#referenceGraph} keeps the layers of the reference.
 */
public final class BatchNormActivationFusion {
    private BatchNormActivationFusion() {
    }

    /** Fuses in place; returns {@code conf}. */
    public static ComputationGraphConfiguration fuse(ComputationGraphConfiguration conf) {
        for (String name : new ArrayList<>(conf.getVertices().keySet())) {
            if (!(layerOf(conf, name) instanceof BatchNorm bn) || bn.getActivation() != FusedActivation.NONE
                    || !soleConsumer(conf, name)) {
                continue;
            }
            String next = consumerOf(conf, name);
            if (unprocessed(conf, next) && layerOf(conf, next) instanceof ActivationLayer a) {
                FusedActivation act = fusedOf(a.getActivationFn());
                if (act != FusedActivation.NONE) {
                    bn.setActivation(act);
                    remove(conf, next, name);
                }
            }
        }
        reordered(conf);
        return conf;
    }

    /** The fused form of a DL4J activation; NONE when it has none. */
    static FusedActivation fusedOf(IActivation fn) {
        if (fn instanceof ActivationReLU6) {
            return FusedActivation.RELU6;
        }
        if (new ActivationReLU().equals(fn)) {
            return FusedActivation.RELU;
        }
        if (fn instanceof HardSwish) {
            return FusedActivation.HARDSWISH;
        }
        return FusedActivation.NONE;
    }

    /** The DL4J activation a fused one computes (for layers that stand alone again: ONNX, inference folding). */
    public static IActivation activationOf(FusedActivation act) {
        return switch (act) {
            case RELU -> new ActivationReLU();
            case RELU6 -> new ReLU6();
            case HARDSWISH -> new HardSwish();
            case NONE -> throw new IllegalArgumentException("no activation to stand alone");
        };
    }
}
