package org.micronet.layers.params;

import org.deeplearning4j.nn.conf.layers.Layer;
import org.micronet.layers.GroupedConv;

import java.util.List;

/** One weight "W" of the shape the layer gives: PyTorch's conv weight, or it without unit axes. */
public final class GroupedConvParams extends BlockParams {
    public static final String WEIGHT = "W";
    public static final GroupedConvParams INSTANCE = new GroupedConvParams();

    private GroupedConvParams() {
    }

    @Override
    protected List<Block> blocks(Layer layer) {
        return List.of(new Block(WEIGHT, ((GroupedConv) layer).weightShape(), true));
    }
}
