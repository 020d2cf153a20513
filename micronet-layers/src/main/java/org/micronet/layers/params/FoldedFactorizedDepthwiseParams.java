package org.micronet.layers.params;

import org.deeplearning4j.nn.conf.layers.Layer;
import org.micronet.layers.FoldedFactorizedDepthwise;

import java.util.List;

/**
 * The k x 1 conv's weight "W0" [mid, cin/groups, k] and bias "b0" [mid], then the 1 x k conv's
 * weight "W1" [out, 1, k] and bias "b1" [out]: each conv's own, with its batch norm folded in.
 */
public final class FoldedFactorizedDepthwiseParams extends BlockParams {
    public static final String FIRST_WEIGHT = "W0";
    public static final String FIRST_BIAS = "b0";
    public static final String SECOND_WEIGHT = "W1";
    public static final String SECOND_BIAS = "b1";
    public static final FoldedFactorizedDepthwiseParams INSTANCE = new FoldedFactorizedDepthwiseParams();

    private FoldedFactorizedDepthwiseParams() {
    }

    @Override
    protected List<Block> blocks(Layer layer) {
        FoldedFactorizedDepthwise c = (FoldedFactorizedDepthwise) layer;
        return List.of(new Block(FIRST_WEIGHT, new long[]{c.getMid(), c.getNIn() / c.getGroups(), c.getKernel()}, true),
                new Block(FIRST_BIAS, new long[]{c.getMid()}, false),
                new Block(SECOND_WEIGHT, new long[]{c.getNOut(), 1, c.getKernel()}, true),
                new Block(SECOND_BIAS, new long[]{c.getNOut()}, false));
    }
}
