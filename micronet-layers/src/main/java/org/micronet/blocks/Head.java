package org.micronet.blocks;

import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.micronet.activations.HardSwish;
import org.micronet.activations.ReLU6;
import org.micronet.layers.GlobalAveragePooling;
import org.micronet.layers.InvertedDropout;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * MicroNet's head: ReLU6 -> global average pool -> h-swish -> linear(C, width) -> BN -> h-swish
 * -> dropout -> linear(width, classes) -> BN -> h-swish -> softmax (with cross-entropy loss).
 */
public final class Head {
    public static final String OUTPUT = "output";

    private Head() {
    }

    public static void add(GraphCursor cur, int width, double dropout, int classes) {
        cur.layer("avgpool.relu6", Layers.activation(new ReLU6()))
                .layer("avgpool.pool", new GlobalAveragePooling())
                .layer("avgpool.hswish", Layers.activation(new HardSwish()));
        swishLinear(cur, "classifier.0", width);
        if (dropout > 0) {
            // DL4J's dropout takes the probability of keeping an activation
            cur.layer("classifier.1", new DropoutLayer.Builder().dropOut(new InvertedDropout(1.0 - dropout)).build());
        }
        swishLinear(cur, "classifier.2", classes);
        cur.layer(OUTPUT, new LossLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX).build());
    }

    private static void swishLinear(GraphCursor cur, String prefix, int out) {
        cur.layer(prefix + ".linear.0", Layers.linear(cur.channels(), out), out)
                .layer(prefix + ".linear.1", Layers.batchNorm(cur.ops(), out))
                .layer(prefix + ".linear.2", Layers.activation(new HardSwish()));
    }
}
