package org.micronet.bench.parity;

/**
 * One line of the PyTorch side's {@code metrics.jsonl}: the keys of our trainer's
 * {@code metrics.jsonl} (snake_case), with these definitions, plus a few of its own.
 *
 * @param iteration          rounds (global-batch iterations) done so far
 * @param lr                 learning rate of the epoch's last iteration
 * @param trainLoss          mean over every minibatch of every worker in the epoch of its loss (mean
 *                           cross-entropy, with dropout, before the step; no L2 term), as our trainer's
 * @param lastRoundLoss      the mean loss of the epoch's last round alone (what our trainer reported as
 *                           train_loss, with the L2 term, before it counted every minibatch)
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
