package org.micronet.blocks;

import org.micronet.layers.AxialConv.Axis;

/**
 * Micro-Factorized depthwise convolution: a k x 1 depthwise conv (multiplier e1, stride on
 * height) and a 1 x k depthwise conv (multiplier e2, stride on width), each followed by
 * batch norm. Vertices are named {@code prefix.conv.0..3} as the reference's state dict.
 */
public final class FactorizedDepthwiseConv {
    private FactorizedDepthwiseConv() {
    }

    public static void add(GraphCursor cur, String prefix, int kernel, int e1, int e2, int stride) {
        int cin = cur.channels();
        int mid = cin * e1;
        int out = mid * e2;
        cur.layer(prefix + ".conv.0", Layers.axialConv(cur.ops(), Axis.HEIGHT, kernel, stride, cin, mid, cin), mid)
                .layer(prefix + ".conv.1", Layers.batchNorm(cur.ops(), mid))
                .layer(prefix + ".conv.2", Layers.axialConv(cur.ops(), Axis.WIDTH, kernel, stride, mid, out, mid), out)
                .layer(prefix + ".conv.3", Layers.batchNorm(cur.ops(), out));
    }
}
