package org.micronet.trainer;

import java.util.Arrays;

/**
 * An epoch's positions: every partition (one per worker) yields its minibatches in a fixed order,
 * and a chunk ({@link ChunkSizer}) takes minibatches {@code [from, end)} of each; only where
 * partitions run out (the epoch's end) does a partition give fewer. Positions are minibatches per
 * worker, so a checkpoint's position names the same data however the epoch was split before.
 */
final class EpochPlan {
    private final long[] partitionImages;
    private final int batchSize;
    private final int batches;

    /**
     * @param partitionImages images of each partition of the epoch's training data
     * @param batchSize       minibatch of each worker
     */
    EpochPlan(long[] partitionImages, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size " + batchSize + ", expected at least 1");
        }
        this.partitionImages = partitionImages.clone();
        this.batchSize = batchSize;
        this.batches = (int) Arrays.stream(partitionImages).map(n -> (n + batchSize - 1) / batchSize).max().orElse(0);
    }

    /** Minibatches of the longest partition: where the epoch ends. */
    int batches() {
        return batches;
    }

    /** Images in the minibatches before {@code batch}, all partitions together. */
    long imagesBefore(int batch) {
        return Arrays.stream(partitionImages).map(n -> Math.min(n, (long) batch * batchSize)).sum();
    }

    long images() {
        return Arrays.stream(partitionImages).sum();
    }
}
