package org.micronet.blocks;

import org.micronet.layers.ChannelShuffle;
import org.micronet.models.BlockRow;

/**
 * Micro-Block-B (paper Figure 4b): the full Micro-Factorized pointwise conv (squeeze and
 * expand by group convs) around a factorized depthwise conv without expansion.
 * pw(g1) -> BN -> [y1, shift g2] -> shuffle(g2) -> dw -> [y2, shift groups of g2 channels]
 * -> shuffle(hidden/4 if y1 and y2, hidden/2 if one) -> pw(g3) -> BN
 * -> [y3, K = 1, reduction halved when c < hidden, shift g4] -> shuffle(g4) -> shuffle(c/2) if y3.
 */
public final class MicroBlockB {
    private MicroBlockB() {
    }

    public static void add(GraphCursor cur, BlockContext ctx, String p, BlockRow row, int hidden) {
        int in = cur.channels();
        int reduction = ctx.reduction(row.reductionMul());
        int g1 = ctx.groups(row.g1(), in, hidden, p + ".0.conv.0");
        cur.layer(p + ".0.conv.0", Layers.groupPointwise(in, hidden, g1), hidden)
                .layer(p + ".0.conv.1", Layers.batchNorm(cur.ops(), hidden));
        ctx.activations().add(cur, p + ".1", 1, row.y1(), row.g2(), reduction);
        cur.layer(p + ".2", new ChannelShuffle(p + ".2", row.g2()));
        ctx.depthwise(cur, p + ".3", row.kernel(), 1, 1, row.stride());
        ctx.activations().add(cur, p + ".5", 2, row.y2(), hidden / row.g2(), reduction);
        int switchesOn = (row.y1() != 0 ? 1 : 0) + (row.y2() != 0 ? 1 : 0);
        if (switchesOn > 0) {
            int groups = hidden / (2 * switchesOn);
            cur.layer(p + ".6", new ChannelShuffle(p + ".6", groups));
        }
        int g3 = ctx.groups(row.g3(), hidden, row.out(), p + ".7.conv.0");
        cur.layer(p + ".7.conv.0", Layers.groupPointwise(hidden, row.out(), g3), row.out())
                .layer(p + ".7.conv.1", Layers.batchNorm(cur.ops(), row.out()));
        int outReduction = row.out() < hidden ? reduction / 2 : reduction;
        ctx.activations().add(cur, p + ".8", 3, row.y3(), row.g4(), outReduction);
        cur.layer(p + ".9", new ChannelShuffle(p + ".9", row.g4()));
        if (row.y3() != 0) {
            cur.layer(p + ".10", new ChannelShuffle(p + ".10", row.out() / 2));
        }
    }
}
