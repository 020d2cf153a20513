package org.micronet.trainer;

/** The loss or the parameters became NaN or infinite; the last good checkpoint is kept. */
public class TrainingDivergedException extends RunFailedException {
    public TrainingDivergedException(String message) {
        super(message);
    }
}
