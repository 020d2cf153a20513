package org.micronet.trainer;

import java.util.Arrays;

/**
 * How an epoch is fitted in chunks: every partition (one per worker) yields its minibatches in a
 * fixed order, and chunk {@code i} takes minibatches {@code [i * chunkBatches, (i + 1) * chunkBatches)}
 * of each. With {@code chunkBatches} a multiple of the averaging frequency, a chunk is a whole
 * number of averaging rounds; only where partitions run out (the epoch's end) is a chunk smaller.
 * Positions are minibatches per worker, so a checkpoint's position names the same data however
 * the epoch was split before.
 */
final class EpochPlan {
    private final long[] partitionImages;
    private final int batchSize;
    private final int chunkBatches;
    private final int batches;

    /**
     * @param partitionImages images of each partition of the epoch's training data
     * @param batchSize       minibatch of each worker
     * @param chunkBatches    minibatches per worker in a chunk
     */
    EpochPlan(long[] partitionImages, int batchSize, int chunkBatches) {
        if (batchSize < 1 || chunkBatches < 1) {
            throw new IllegalArgumentException("batch size " + batchSize + " and chunk " + chunkBatches
                    + ", expected at least 1");
        }
        this.partitionImages = partitionImages.clone();
        this.batchSize = batchSize;
        this.chunkBatches = chunkBatches;
        this.batches = (int) Arrays.stream(partitionImages).map(n -> (n + batchSize - 1) / batchSize).max().orElse(0);
    }

    /** Minibatches of the longest partition: where the epoch ends. */
    int batches() {
        return batches;
    }

    int chunks() {
        return (batches + chunkBatches - 1) / chunkBatches;
    }

    /** The end of the chunk that holds minibatch {@code from}. */
    int chunkEnd(int from) {
        return Math.min(batches, (from / chunkBatches + 1) * chunkBatches);
    }

    /** 1-based number of the chunk that ends at {@code end}. */
    int chunk(int end) {
        return (end + chunkBatches - 1) / chunkBatches;
    }

    /** Images in the minibatches before {@code batch}, all partitions together. */
    long imagesBefore(int batch) {
        return Arrays.stream(partitionImages).map(n -> Math.min(n, (long) batch * batchSize)).sum();
    }

    long images() {
        return Arrays.stream(partitionImages).sum();
    }
}
