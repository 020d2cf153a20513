package org.micronet.bench.parity;

/**
 * One line of the PyTorch side's {@code metrics.jsonl}: the keys of our trainer's
 * {@code metrics.jsonl} (snake_case), with these definitions, plus a few of its own.
 *
 * @param iteration          rounds (global-batch iterations) done so far
 * @param lr                 learning rate of the epoch's last iteration
 * @param trainLoss          mean over the epoch's rounds of the round loss (mean cross-entropy of
 *                           the workers' minibatches, with dropout, before the step; no L2 term)
 * @param lastRoundLoss      the loss of the epoch's last round alone (what our trainer's train_loss is)
 * @param valLoss            mean cross-entropy per validation image (no L2 term)
 * @param l2Penalty          0.5 * sum of wd * |w|^2 at the epoch's end: the term DL4J adds to its losses
 * @param imagesPerSec       training images per second of the epoch's fit (waiting for data included)
 * @param seconds            the epoch's fit time, evaluation excluded
 * @param dataWaitSeconds    of that, time spent waiting for the data loader
 * @param evalSeconds        the validation pass
 * @param skippedSteps       steps not taken so far in the run because a gradient was not finite
 */
public record EpochRecord(int epoch, long iteration, double lr, double trainLoss, double lastRoundLoss, double valLoss,
                          double top1, double top5, double l2Penalty, double imagesPerSec, double seconds,
                          double dataWaitSeconds, double evalSeconds, int skippedSteps) {
}
