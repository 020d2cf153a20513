package org.micronet.trainer;

/**
 * What one epoch measured; one line of {@code metrics.jsonl} and one row of {@code metrics.csv}.
 *
 * @param lr            learning rate at the end of the epoch
 * @param trainLoss     mean loss over every minibatch of every worker in the epoch, L2 penalty excluded
 * @param valLoss       mean validation loss, L2 penalty excluded
 * @param l2Penalty     the L2 weight-decay term of the loss at the end of the epoch
 * @param imagesPerSec  training images per second over the epoch's fit (Spark overhead included; a
 *                      resumed epoch counts its fitting before the stop too)
 * @param seconds       the epoch's fitting time
 */
public record EpochMetrics(int epoch, long iteration, double lr, double trainLoss, double valLoss, double l2Penalty,
                           double top1, double top5, double imagesPerSec, double seconds) {

    static final String CSV_HEADER = "epoch,iteration,lr,train_loss,val_loss,l2_penalty,top1,top5,images_per_sec,seconds";

    String csv() {
        return epoch + "," + iteration + "," + lr + "," + trainLoss + "," + valLoss + "," + l2Penalty + "," + top1 + ","
                + top5 + "," + imagesPerSec + "," + seconds;
    }
}
