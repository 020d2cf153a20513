package org.micronet.blocks;

import org.micronet.models.BlockRow;

/** Micro-Block-C, the last block: pw(g1) -> BN -> [y3, K = 1, shift g2]. */
public final class MicroBlockC {
    private MicroBlockC() {
    }

    public static void add(GraphCursor cur, BlockContext ctx, String p, BlockRow row) {
        int in = cur.channels();
        int g1 = ctx.groups(row.g1(), in, row.out(), p + ".0.conv.0");
        cur.layer(p + ".0.conv.0", Layers.groupPointwise(in, row.out(), g1), row.out())
                .layer(p + ".0.conv.1", Layers.batchNorm(cur.ops(), row.out()));
        ctx.activations().add(cur, p + ".1", 3, row.y3(), row.g2(), ctx.reduction(row.reductionMul()));
    }
}
