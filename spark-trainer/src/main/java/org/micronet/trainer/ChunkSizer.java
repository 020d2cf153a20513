package org.micronet.trainer;

/**
 * Where the next chunk of an epoch ends. With {@code progress.everyRounds} set, chunk i is rounds
 * {@code [i * everyRounds, (i + 1) * everyRounds)}, as in every run of that setting. Otherwise a
 * chunk is as many rounds as fit in {@code progress.everySeconds} at the pace of the chunk before.
 * A chunk costs a Spark job whatever its length (M0 at global batch 40: about 50 ms on local[2],
 * 200-300 ms on a standalone cluster, against rounds of 10-25 ms), so a count of rounds that makes
 * long chunks for a slow model makes short ones for a fast model, which then spends up to a fifth
 * of its time on chunks, and a count that suits a fast model can outlast
 * {@code progress.stallMinutes} for a slow one. Where the chunks end does not change the
 * training: the rounds are the epoch's, in order, however they are cut.
 */
final class ChunkSizer {
    /** The run's first chunk, which measures the pace; it also pays the JIT warm-up, so it errs short. */
    static final int FIRST_ROUNDS = 10;
    /** A chunk at most this many times the one planned before: one fast chunk must not plan a long one. */
    static final int MAX_GROWTH = 4;

    private final Integer everyRounds;
    private final double everySeconds;
    private final int averagingFrequency;
    private int rounds = FIRST_ROUNDS;

    ChunkSizer(RunConfig.Progress progress, int averagingFrequency) {
        this.everyRounds = progress.everyRounds();
        this.everySeconds = progress.secondsPerChunk();
        this.averagingFrequency = averagingFrequency;
    }

    /** The end (minibatches per worker) of the chunk that starts at minibatch {@code from}. */
    int chunkEnd(EpochPlan plan, int from) {
        if (everyRounds != null) {
            int chunk = everyRounds * averagingFrequency;
            return Math.min(plan.batches(), (from / chunk + 1) * chunk);  // a resume after another size ends that chunk
        }
        return Math.min(plan.batches(), from + rounds * averagingFrequency);
    }

    /** The 1-based number of a chunk of the epoch and how many the epoch has, for the progress line. */
    record Numbering(int chunk, int chunks) {
    }

    /**
     * The numbering of the chunk that ends at {@code end}, the {@code nth} of the epoch in this
     * session; by time, the chunks after it are foreseen at the current length.
     */
    Numbering numbering(EpochPlan plan, int end, int nth) {
        if (everyRounds != null) {
            int chunk = everyRounds * averagingFrequency;
            return new Numbering((end + chunk - 1) / chunk, (plan.batches() + chunk - 1) / chunk);
        }
        int chunk = rounds * averagingFrequency;
        return new Numbering(nth, nth + (plan.batches() - end + chunk - 1) / chunk);
    }

    /** Sizes the next chunk after one of {@code rounds} rounds took {@code seconds} (Spark's cost included). */
    void fitted(int rounds, double seconds) {
        if (everyRounds != null || rounds < 1) {
            return;
        }
        double perRound = seconds / rounds;
        long next = perRound > 0 ? (long) (everySeconds / perRound) : Long.MAX_VALUE;
        // growth from the planned length: an epoch's short last chunk must not hold the next one back
        this.rounds = (int) Math.max(1, Math.min(next, (long) this.rounds * MAX_GROWTH));
    }
}
