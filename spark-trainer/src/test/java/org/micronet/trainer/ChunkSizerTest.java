package org.micronet.trainer;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Where chunks end: by a fixed count of rounds, or by the time the rounds before took. */
class ChunkSizerTest {
    private static ChunkSizer byRounds(int rounds, int averagingFrequency) {
        return new ChunkSizer(new RunConfig.Progress(rounds, null, null), averagingFrequency);
    }

    private static ChunkSizer bySeconds(double seconds, int averagingFrequency) {
        return new ChunkSizer(new RunConfig.Progress(null, seconds, null), averagingFrequency);
    }

    @Test
    void fixedRoundsSplitAnEpochIntoWholeChunksAndAShorterLastOne() {
        // 300 images on 2 workers, minibatches of 20: 8 per worker (the 8th holds 10), 3 rounds per chunk
        EpochPlan plan = new EpochPlan(new long[]{150, 150}, 20);
        ChunkSizer chunks = byRounds(3, 1);
        assertEquals(3, chunks.chunkEnd(plan, 0));
        assertEquals(6, chunks.chunkEnd(plan, 3));
        assertEquals(8, chunks.chunkEnd(plan, 6));
        chunks.fitted(3, 100);
        assertEquals(6, chunks.chunkEnd(plan, 3), "the time a chunk took does not change a fixed count");
        assertEquals(new ChunkSizer.Numbering(1, 3), chunks.numbering(plan, 3, 1));
        assertEquals(new ChunkSizer.Numbering(3, 3), chunks.numbering(plan, 8, 2), "numbered by position, a resume too");
    }

    @Test
    void fixedRoundsCountMinibatchesOfTheAveragingFrequencyAndAResumeEndsItsChunk() {
        EpochPlan plan = new EpochPlan(new long[]{172, 128}, 8);  // 22 minibatches
        ChunkSizer chunks = byRounds(2, 2);  // 4 minibatches a chunk
        assertEquals(8, chunks.chunkEnd(plan, 5), "a resume from minibatch 5 (another chunk size before) ends that chunk");
        assertEquals(new ChunkSizer.Numbering(2, 6), chunks.numbering(plan, 8, 1));
    }

    @Test
    void byTimeTheFirstChunkMeasuresThePaceAndTheNextFillsTheTime() {
        EpochPlan plan = new EpochPlan(new long[]{100_000, 100_000}, 10);  // 10,000 minibatches
        ChunkSizer chunks = bySeconds(30, 1);
        assertEquals(ChunkSizer.FIRST_ROUNDS, chunks.chunkEnd(plan, 0));
        assertEquals(new ChunkSizer.Numbering(1, 1000), chunks.numbering(plan, 10, 1));
        chunks.fitted(10, 2.0);  // 0.2 s a round: 150 rounds in 30 s, but at most 4 times the chunk planned before
        assertEquals(10 + 40, chunks.chunkEnd(plan, 10));
        chunks.fitted(40, 2.0);  // 0.05 s a round: 600 rounds, at most 160
        assertEquals(50 + 160, chunks.chunkEnd(plan, 50));
        chunks.fitted(160, 16.0);  // 0.1 s a round: 300
        assertEquals(210 + 300, chunks.chunkEnd(plan, 210));
        assertEquals(new ChunkSizer.Numbering(4, 4 + 32), chunks.numbering(plan, 510, 4), "9,490 left, 300 a chunk");
        chunks.fitted(300, 600.0);  // slowed to 2 s a round: 15
        assertEquals(510 + 15, chunks.chunkEnd(plan, 510));
        chunks.fitted(15, 3000.0);  // 200 s a round: never fewer than one
        assertEquals(526, chunks.chunkEnd(plan, 525));
        assertEquals(10_000, chunks.chunkEnd(plan, 9_999), "the epoch's end ends the chunk");
    }

    @Test
    void byTimeAnEpochsShortLastChunkDoesNotShortenTheNext() {
        EpochPlan plan = new EpochPlan(new long[]{100_000, 100_000}, 10);
        ChunkSizer chunks = bySeconds(30, 1);
        chunks.fitted(10, 1.0);  // 0.1 s a round: 300, at most 40
        chunks.fitted(3, 0.3);  // the epoch's last 3 rounds, as fast: at most 4 times the 40 planned
        assertEquals(160, chunks.chunkEnd(plan, 0));
    }

    @Test
    void byTimeAChunkIsWholeRoundsOfTheAveragingFrequency() {
        EpochPlan plan = new EpochPlan(new long[]{100_000, 100_000}, 10);
        ChunkSizer chunks = bySeconds(30, 4);
        assertEquals(4 * ChunkSizer.FIRST_ROUNDS, chunks.chunkEnd(plan, 0));
        chunks.fitted(10, 10.0);  // 1 s a round: 30 rounds
        assertEquals(40 + 4 * 30, chunks.chunkEnd(plan, 40));
    }
}
