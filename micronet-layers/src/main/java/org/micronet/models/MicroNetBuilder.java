package org.micronet.models;

import org.micronet.config.ConfigException;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.micronet.blocks.BlockContext;
import org.micronet.blocks.GraphCursor;
import org.micronet.blocks.Head;
import org.micronet.blocks.MicroBlockA;
import org.micronet.blocks.MicroBlockB;
import org.micronet.blocks.MicroBlockC;
import org.micronet.blocks.Stem;
import org.micronet.layers.GroupCount;
import org.micronet.models.ModelConfig.LiteLevels;

import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds a MicroNet as a DL4J graph: stem, one Micro-Block per table row (A, B or C, with a
 * residual add where stride is 1 and channels are kept), head. Vertices are named as the
 * reference's state dict ({@code features.N.layers.M...}) so traces compare line by line.
 */
final class MicroNetBuilder {
    static final String INPUT = "input";
    private static final Pattern BLOCK_LAYER = Pattern.compile("'features\\.(\\d+)\\.");

    private MicroNetBuilder() {
    }

    static ComputationGraphConfiguration build(ModelConfig cfg, NeuralNetConfiguration.Builder base) {
        ComputationGraphConfiguration.GraphBuilder g = base.graphBuilder()
                .addInputs(INPUT)
                .setInputTypes(Models.inputType(cfg));
        GraphCursor cur = new GraphCursor(g, INPUT, 3, cfg.ops());
        BlockContext ctx = new BlockContext(cfg);
        Stem.add(cur, cfg.stem());
        List<BlockRow> rows = cfg.blocks();
        for (int i = 0; i < rows.size(); i++) {
            BlockRow row = rows.get(i);
            String block = "features." + (i + 1);
            String blockInput = cur.last();
            int in = cur.channels();
            try {
                addBlock(cur, ctx, block + ".layers", row, in, cfg.ablation().lite());
            } catch (IllegalArgumentException e) {
                throw new ConfigException("blocks[" + i + "] (" + block + ", row " + Arrays.toString(row.values())
                        + "): " + e.getMessage(), e);
            }
            if (row.stride() == 1 && in == row.out()) {
                cur.vertex(block + ".add", new ElementWiseVertex(ElementWiseVertex.Op.Add), blockInput, cur.last());
            }
        }
        Head.add(cur, cfg.head().width(), cfg.head().dropout(), cfg.classes());
        try {
            return g.setOutputs(Head.OUTPUT).build();
        } catch (IllegalArgumentException e) {
            throw inBlock(e, rows);
        }
    }

    /**
     * Shapes are checked only when the whole graph is built; the layer named in such an error
     * ({@code features.N...}) tells the block row to name, as the errors of {@link #addBlock} do.
     */
    private static IllegalArgumentException inBlock(IllegalArgumentException e, List<BlockRow> rows) {
        Matcher m = BLOCK_LAYER.matcher(String.valueOf(e.getMessage()));
        int i = m.find() ? Integer.parseInt(m.group(1)) - 1 : -1;
        if (i < 0 || i >= rows.size()) {
            return e;
        }
        return new ConfigException("blocks[" + i + "] (features." + (i + 1) + ", row "
                + Arrays.toString(rows.get(i).values()) + "): " + e.getMessage(), e);
    }

    private static void addBlock(GraphCursor cur, BlockContext ctx, String p, BlockRow row, int in, LiteLevels lite) {
        int hidden = in * row.e1() * row.e2();
        BlockType type = row.type();
        if (type == BlockType.C) {
            if (row.out() != hidden) {
                throw new IllegalArgumentException("the last block's c = " + row.out() + " must equal in * e1 * e2 = " + hidden);
            }
            MicroBlockC.add(cur, ctx, p, row);
        } else if (lite == LiteLevels.ALL || type == BlockType.A && lite != LiteLevels.NONE) {
            MicroBlockA.add(cur, ctx, p, row, row.e1(), row.e2());
        } else {
            MicroBlockB.add(cur, ctx, p, withPointwiseGroups(row, in, hidden), hidden);
        }
    }

    /** A lite row turned into a type-B block needs a first pointwise conv: give it sqrt(C/R) groups. */
    private static BlockRow withPointwiseGroups(BlockRow row, int in, int hidden) {
        if (row.g1() != 0) {
            return row;
        }
        int g1 = GroupCount.adaptive(1.0, in, hidden, "pw1");
        return new BlockRow(row.stride(), row.out(), row.kernel(), row.e1(), row.e2(), g1, row.g2(), row.g3(),
                row.g4(), row.y1(), row.y2(), row.y3(), row.reductionMul());
    }
}
