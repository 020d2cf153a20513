package org.micronet.trainer;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Chunk arithmetic of an epoch, positions in minibatches per worker. */
class EpochPlanTest {
    @Test
    void equalPartitionsSplitIntoWholeChunksAndAShorterLastOne() {
        // 300 images on 2 workers, minibatches of 20: 8 per worker (the 8th holds 10), 3 per chunk
        EpochPlan plan = new EpochPlan(new long[]{150, 150}, 20, 3);
        assertEquals(8, plan.batches());
        assertEquals(3, plan.chunks());
        assertEquals(3, plan.chunkEnd(0));
        assertEquals(6, plan.chunkEnd(3));
        assertEquals(8, plan.chunkEnd(6));
        assertEquals(1, plan.chunk(3));
        assertEquals(3, plan.chunk(8));
        assertEquals(120, plan.imagesBefore(3));
        assertEquals(300, plan.imagesBefore(8));
        assertEquals(300, plan.images());
    }

    @Test
    void unequalPartitionsEndWithTheLongestAndAnUnalignedPositionEndsItsChunk() {
        EpochPlan plan = new EpochPlan(new long[]{172, 128}, 8, 4);
        assertEquals(22, plan.batches());
        assertEquals(6, plan.chunks());
        assertEquals(8, plan.chunkEnd(5), "a resume from minibatch 5 (another chunk size before) ends that chunk");
        assertEquals(2, plan.chunk(8));
        assertEquals(128 + 128, plan.imagesBefore(16), "the shorter partition has run out");
        assertEquals(300, plan.imagesBefore(22));
    }
}
