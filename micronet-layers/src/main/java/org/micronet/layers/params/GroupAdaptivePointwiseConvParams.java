package org.micronet.layers.params;

import org.deeplearning4j.nn.conf.layers.Layer;
import org.micronet.layers.GroupAdaptivePointwiseConv;

import java.util.List;

/**
 * A weight "W" of shape [nOut, nIn/G] (PyTorch's grouped 1x1 layout without the 1x1), and the
 * bias "b" [nOut] if the layer has one.
 */
public final class GroupAdaptivePointwiseConvParams extends BlockParams {
    public static final String WEIGHT = "W";
    public static final GroupAdaptivePointwiseConvParams INSTANCE = new GroupAdaptivePointwiseConvParams();

    private GroupAdaptivePointwiseConvParams() {
    }

    @Override
    protected List<Block> blocks(Layer layer) {
        GroupAdaptivePointwiseConv c = (GroupAdaptivePointwiseConv) layer;
        return convBlocks(c, WEIGHT, new long[]{c.getNOut(), c.getNIn() / c.getGroups()});
    }
}
