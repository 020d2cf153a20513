package org.micronet.models;

/** The paper's three Micro-Blocks (Figure 4). */
public enum BlockType {
    /** Lite combination: factorized depthwise expands, one group pointwise conv squeezes. */
    A,
    /** Full Micro-Factorized pointwise (two group convs) around a factorized depthwise conv. */
    B,
    /** The last block: one group pointwise conv. */
    C
}
