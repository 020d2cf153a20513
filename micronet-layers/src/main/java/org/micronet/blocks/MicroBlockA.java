package org.micronet.blocks;

import org.micronet.layers.ChannelShuffle;
import org.micronet.models.BlockRow;

/**
 * Micro-Block-A, the lite combination (paper Figure 4a): factorized depthwise expands the
 * channels (e1, e2), a group pointwise conv squeezes them to c.
 * dw -> [y2, shift g2] -> shuffle(g2) -> shuffle(hidden/2) if y2 -> pw(g3) -> BN
 * -> [y3, K = 1, reduction halved, shift g4] -> shuffle(g4) -> shuffle(c/2) if c even and y3.
 */
public final class MicroBlockA {
    private MicroBlockA() {
    }

    public static void add(GraphCursor cur, BlockContext ctx, String p, BlockRow row, int e1, int e2) {
        ctx.depthwise(cur, p + ".0", row.kernel(), e1, e2, row.stride());
        int hidden = cur.channels();
        ctx.activations().add(cur, p + ".1", 2, row.y2(), row.g2(), ctx.reduction(row.reductionMul()));
        cur.layer(p + ".2", new ChannelShuffle(p + ".2", row.g2()));
        if (row.y2() != 0) {
            cur.layer(p + ".3", new ChannelShuffle(p + ".3", hidden / 2));
        }
        int g3 = ctx.groups(row.g3(), hidden, row.out(), p + ".4.conv.0");
        cur.layer(p + ".4.conv.0", Layers.groupPointwise(hidden, row.out(), g3), row.out())
                .layer(p + ".4.conv.1", Layers.batchNorm(cur.ops(), row.out()));
        ctx.activations().add(cur, p + ".5", 3, row.y3(), row.g4(), ctx.reduction(row.reductionMul()) / 2);
        cur.layer(p + ".6", new ChannelShuffle(p + ".6", row.g4()));
        if (row.out() % 2 == 0 && row.y3() != 0) {
            cur.layer(p + ".7", new ChannelShuffle(p + ".7", row.out() / 2));
        }
    }
}
