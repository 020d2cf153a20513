package org.micronet.trainer;

/** Spark work made no progress for {@code progress.stallMinutes}; it was cancelled, checkpoints kept. */
public class TrainingStalledException extends RunFailedException {
    public TrainingStalledException(String message, Throwable cause) {
        super(message, cause);
    }
}
