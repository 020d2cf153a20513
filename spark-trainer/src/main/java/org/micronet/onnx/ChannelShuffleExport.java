package org.micronet.onnx;

import java.util.List;

import static org.micronet.onnx.OnnxGraph.attr;

/**
 * Channel shuffle(g) by its definition, independent of our kernel's index map: view the C
 * channels as (g, C/g), transpose to (C/g, g), flatten. A 0 in a Reshape shape keeps the batch.
 */
final class ChannelShuffleExport {
    private ChannelShuffleExport() {
    }

    /** Returns the name of the shuffled output, {@code name}. */
    static String add(OnnxGraph g, String name, String input, long groups, long channels, long height, long width) {
        String split = g.node("Reshape", name + "/groups",
                List.of(input, g.int64s(name + "/groups-shape", 0, groups, channels / groups, height, width)));
        String swapped = g.node("Transpose", name + "/transpose", List.of(split), attr("perm", 0L, 2L, 1L, 3L, 4L));
        return g.node("Reshape", name, List.of(swapped, g.int64s(name + "/shape", 0, channels, height, width)));
    }
}
