package org.micronet.testing;

import org.micronet.layers.AxialConv;
import org.nd4j.linalg.api.ndarray.INDArray;

/** An {@link AxialConv} weight (or gradient) laid out as the DL4J layer the ops switch puts in its place. */
public final class AxialLayout {
    private AxialLayout() {
    }

    /**
     * [cout, cin/G, k] as ConvolutionLayer's [cout, cin, kh, kw] (one group) or as
     * DepthwiseConvolution2D's [kh, kw, cin, multiplier] (G = cin; out channel = c * multiplier + m).
     */
    public static INDArray toDl4j(AxialConv c, INDArray w) {
        int k = c.getKernel();
        boolean height = c.getAxis() == AxialConv.Axis.HEIGHT;
        long kh = height ? k : 1, kw = height ? 1 : k;
        if (c.getGroups() == 1) {
            return w.dup('c').reshape('c', c.getNOut(), c.getNIn(), kh, kw);
        }
        long multiplier = c.getNOut() / c.getNIn();
        return w.reshape('c', c.getNIn(), multiplier, k).permute(2, 0, 1).dup('c')
                .reshape('c', kh, kw, c.getNIn(), multiplier);
    }
}
