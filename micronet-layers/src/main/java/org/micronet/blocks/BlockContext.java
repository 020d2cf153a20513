package org.micronet.blocks;

import org.micronet.layers.GroupCount;
import org.micronet.models.ModelConfig;
import org.micronet.models.ModelConfig.Ablation;

/**
 * The model-wide settings every Micro-Block consults: which activation a switch turns on,
 * how many groups a pointwise conv gets, and which depthwise conv is used.
 */
public final class BlockContext {
    private final ModelConfig config;
    private final ActivationSlot activations;

    public BlockContext(ModelConfig config) {
        this.config = config;
        this.activations = new ActivationSlot(config.shiftMax(), config.ablation());
    }

    public ActivationSlot activations() {
        return activations;
    }

    public int reduction(int multiplier) {
        return config.shiftMax().reduction() * multiplier;
    }

    /** The table's group count unless the ablation fixes G or sets lambda (paper Table 3a/3b). */
    public int groups(int tableGroups, int cin, int cout, String layerName) {
        Ablation a = config.ablation();
        if (a.lambda() != null) {
            return GroupCount.adaptive(a.lambda(), cin, cout, layerName);
        }
        if (a.groups() != null) {
            return GroupCount.nearest(a.groups(), cin, cout);
        }
        return GroupCount.validate(tableGroups, cin, cout, layerName);
    }

    /** Adds the (factorized or full) depthwise conv with its batch norms as {@code prefix.conv.N}. */
    public void depthwise(GraphCursor cur, String prefix, int kernel, int e1, int e2, int stride) {
        if (config.ablation().depthwise() == ModelConfig.Depthwise.FULL) {
            int cin = cur.channels();
            int cout = cin * e1 * e2;
            cur.layer(prefix + ".conv.0", Layers.depthwise(cur.ops(), kernel, kernel, stride, stride, cin, e1 * e2), cout)
                    .layer(prefix + ".conv.1", Layers.batchNorm(cur.ops(), cout));
        } else {
            FactorizedDepthwiseConv.add(cur, prefix, kernel, e1, e2, stride);
        }
    }
}
