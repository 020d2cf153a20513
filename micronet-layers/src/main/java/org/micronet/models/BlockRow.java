package org.micronet.models;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * One row of a MicroNet block table, written in YAML as the 13 numbers of the spec's table:
 * {@code [s, c, k, e1, e2, g1, g2, g3, g4, y1, y2, y3, r]}.
 *
 * @param stride       s, stride of the block
 * @param out          c, output channels
 * @param kernel       k, depthwise kernel size
 * @param e1           expansion of the first (k x 1) depthwise conv or of the first pointwise conv
 * @param e2           expansion of the second (1 x k) depthwise conv; hidden = in * e1 * e2
 * @param g1           groups of the first pointwise conv; 0 marks a lite block (type A)
 * @param g2           shuffle/shift groups of the first activations
 * @param g3           groups of the second pointwise conv
 * @param g4           shuffle/shift groups after it; 0 marks the final pointwise-only block (type C)
 * @param y1           activation switch after the first pointwise conv
 * @param y2           activation switch after the depthwise conv
 * @param y3           activation switch after the second pointwise conv
 * @param reductionMul r, the hyper-function reduction is 8 * r (the model's {@code shiftMax.reduction} * r)
 */
public record BlockRow(int stride, int out, int kernel, int e1, int e2, int g1, int g2, int g3, int g4,
                       int y1, int y2, int y3, int reductionMul) {

    public static final String COLUMNS = "[s, c, k, e1, e2, g1, g2, g3, g4, y1, y2, y3, r]";

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static BlockRow of(int[] v) {
        if (v.length != 13) {
            throw new IllegalArgumentException("a block row needs 13 values " + COLUMNS + ", got " + v.length);
        }
        return new BlockRow(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12]);
    }

    @JsonValue
    public int[] values() {
        return new int[]{stride, out, kernel, e1, e2, g1, g2, g3, g4, y1, y2, y3, reductionMul};
    }

    public BlockType type() {
        if (g1 == 0) {
            return BlockType.A;
        }
        return g4 == 0 ? BlockType.C : BlockType.B;
    }
}
