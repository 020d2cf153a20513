package org.micronet.layers.params;

import org.deeplearning4j.nn.conf.layers.Layer;
import org.micronet.layers.ConvParamLayer;
import org.micronet.layers.GroupedConv;

import java.util.List;

/**
 * A weight "W" of the shape the layer gives (PyTorch's conv weight, or it without unit axes),
 * and the bias "b" [nOut] if the layer has one.
 */
public final class GroupedConvParams extends BlockParams {
    public static final String WEIGHT = "W";
    public static final GroupedConvParams INSTANCE = new GroupedConvParams();

    private GroupedConvParams() {
    }

    @Override
    protected List<Block> blocks(Layer layer) {
        GroupedConv conv = (GroupedConv) layer;
        return convBlocks((ConvParamLayer) conv, WEIGHT, conv.weightShape());
    }
}
