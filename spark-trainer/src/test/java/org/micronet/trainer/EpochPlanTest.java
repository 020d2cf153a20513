package org.micronet.trainer;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Positions of an epoch, in minibatches per worker. */
class EpochPlanTest {
    @Test
    void theLongestPartitionEndsTheEpochAndTheShorterOneRunsOutBefore() {
        EpochPlan plan = new EpochPlan(new long[]{172, 128}, 8);
        assertEquals(22, plan.batches());
        assertEquals(24 + 24, plan.imagesBefore(3));
        assertEquals(128 + 128, plan.imagesBefore(16), "the shorter partition has run out");
        assertEquals(300, plan.imagesBefore(22));
        assertEquals(300, plan.images());
    }
}
