package org.micronet.layers.params;

import org.deeplearning4j.nn.conf.layers.Layer;
import org.micronet.layers.AxialConv;

import java.util.List;

/** One weight "W" of shape [nOut, nIn/G, k] (PyTorch's conv weight without the unit axis). */
public final class AxialConvParams extends BlockParams {
    public static final String WEIGHT = "W";
    public static final AxialConvParams INSTANCE = new AxialConvParams();

    private AxialConvParams() {
    }

    @Override
    protected List<Block> blocks(Layer layer) {
        AxialConv c = (AxialConv) layer;
        return List.of(new Block(WEIGHT, new long[]{c.getNOut(), c.getNIn() / c.getGroups(), c.getKernel()}, true));
    }
}
