package org.micronet.trainer;

import java.time.Duration;

/**
 * Where a run stands after a chunk of an epoch; logged as one line and passed to
 * {@link Trainer#onProgress}. Times count training (fitting) only, earlier sessions of a resumed
 * run included; ETAs extrapolate the epoch's images per second so far.
 *
 * @param epoch        0-based
 * @param chunk        1-based number of the chunk just fitted
 * @param images       images of the epoch fitted so far
 * @param imagesPerSec over the chunk just fitted
 * @param lr           learning rate of the last iteration
 * @param score        mean training loss of the chunk's minibatches, all workers, L2 penalty excluded
 * @param checkpoint   the in-epoch checkpoint written after the chunk, or null
 */
public record ChunkProgress(int epoch, int epochs, int chunk, int chunks, long images, long epochImages,
                            double imagesPerSec, double epochSeconds, double epochEtaSeconds, double runSeconds,
                            double runEtaSeconds, long iteration, double lr, double score, String checkpoint) {

    String line() {
        return String.format("epoch %d/%d  chunk %d/%d  %d/%d images  %.1f img/s  epoch %s ETA %s  run %s ETA %s"
                        + "  iteration %d  lr %.5f  loss %.4f%s", epoch + 1, epochs, chunk, chunks, images, epochImages,
                imagesPerSec, duration(epochSeconds), duration(epochEtaSeconds), duration(runSeconds),
                duration(runEtaSeconds), iteration, lr, score, checkpoint == null ? "" : "  checkpoint " + checkpoint);
    }

    /** E.g. 1h2m3s. */
    static String duration(double seconds) {
        return Duration.ofSeconds(Math.round(seconds)).toString().substring(2).toLowerCase();
    }
}
