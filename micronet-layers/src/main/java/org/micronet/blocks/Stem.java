package org.micronet.blocks;

import org.micronet.activations.ReLU6;
import org.micronet.layers.AxialConv.Axis;
import org.micronet.layers.ChannelShuffle;
import org.micronet.models.ModelConfig;

/**
 * Stem (a, b): 3 x 1 conv 3 -> a with stride (2, 1), BN, 1 x 3 depthwise conv with multiplier
 * b and stride (1, 2), BN, shuffle(a), ReLU6. Halves the resolution; a * b channels out.
 */
public final class Stem {
    private Stem() {
    }

    public static void add(GraphCursor cur, ModelConfig.Stem stem) {
        int a = stem.channels();
        int out = a * stem.multiplier();
        String p = "features.0.stem.0.conv.";
        cur.layer(p + "0", Layers.axialConv(cur.ops(), Axis.HEIGHT, 3, 2, cur.channels(), a, 1), a)
                .layer(p + "1", Layers.batchNorm(cur.ops(), a))
                .layer(p + "2", Layers.axialConv(cur.ops(), Axis.WIDTH, 3, 2, a, out, a), out)
                .layer(p + "3", Layers.batchNorm(cur.ops(), out))
                .layer(p + "4", new ChannelShuffle(p + "4", a))
                .layer("features.0.stem.1", Layers.activation(new ReLU6()));
    }
}
